package dev.coro.bench.echo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The Netty peer of {@link CoroEchoServer}: Netty 4.2, NIO transport, ONE event loop thread that both accepts and
 * serves every connection (the same group as boss and worker), the classic echo handler (write what was read,
 * flush when the read burst is over), pooled buffers as by default.
 *
 * <pre>java -cp benchmarks.jar dev.coro.bench.echo.NettyEchoServer</pre>
 */
public class NettyEchoServer {
    public static void main(String[] args) throws InterruptedException {
        ServerControl.start();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group, group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new Echo())
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            ServerControl.listening(((InetSocketAddress) server.localAddress()).getPort());
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ServerControl.OPEN.incrementAndGet();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ServerControl.OPEN.decrementAndGet();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
