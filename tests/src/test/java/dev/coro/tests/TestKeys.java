package dev.coro.tests;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

/** Self-signed keys made by the JDK's keytool, and the TLS contexts the tests build on them. */
public final class TestKeys {
    /** The password of every key store made here. */
    public static final char[] PASSWORD = "changeit".toCharArray();

    private TestKeys() {
    }

    /**
     * A fresh EC key pair with a self-signed certificate for {@code cn} naming the subject alternative names
     * {@code san} (keytool's syntax, e.g. {@code dns:localhost,ip:127.0.0.1}), under {@code alias}.
     */
    public static KeyStore keyPair(String alias, String cn, String san) throws Exception {
        Path dir = Files.createTempDirectory("coro-test-keys");
        Path ks = dir.resolve(alias + ".p12");
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=" + cn, "-ext", "SAN=" + san, "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit",
                    "-keypass", "changeit").redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed (" + p.exitValue() + "): " + output);
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (FileInputStream in = new FileInputStream(ks.toFile())) {
                keys.load(in, PASSWORD);
            }
            return keys;
        } finally {
            Files.deleteIfExists(ks);
            Files.deleteIfExists(dir);
        }
    }

    /** The key pair the local TLS tests serve with: alias {@code server}, for localhost and 127.0.0.1. */
    public static KeyStore localhost() throws Exception {
        return keyPair("server", "localhost", "dns:localhost,ip:127.0.0.1");
    }

    public static KeyManagerFactory keyManagers(KeyStore keys) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        return kmf;
    }

    /** Trusts exactly the certificates of {@code aliases} in {@code keys}. */
    public static TrustManagerFactory trustManagers(KeyStore keys, String... aliases) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (String alias : aliases) {
            trust.setCertificateEntry(alias, keys.getCertificate(alias));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf;
    }

    /** A context that serves with {@code keys}. */
    public static SSLContext serving(KeyStore keys) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(keyManagers(keys).getKeyManagers(), null, null);
        return c;
    }

    /** A client context that trusts exactly the certificates of {@code aliases} in {@code keys}. */
    public static SSLContext trusting(KeyStore keys, String... aliases) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, trustManagers(keys, aliases).getTrustManagers(), null);
        return c;
    }
}
