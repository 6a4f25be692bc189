import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Starts DynamoDB Local bound to 127.0.0.1 only. DynamoDB Local has no bind option: its
 * DynamoDBProxyServer builds a Jetty `Server(port)`, whose connector listens on every
 * interface. We let it parse its usual command line, then set the host of each Jetty
 * connector before the server starts. Telemetry set-up (ServerRunner.main) is skipped.
 *
 * Usage: java -cp "DynamoDBLocal.jar:DynamoDBLocal_lib/*:<dir of this class>" DynamoDbLocalLoopback
 *        [--host 127.0.0.1] <DynamoDB Local arguments>
 */
public final class DynamoDbLocalLoopback {
  private DynamoDbLocalLoopback() {}

  public static void main(String[] args) {
    // DynamoDB Local leaves non-daemon threads behind, so a failure must end the JVM explicitly.
    try {
      run(args);
    } catch (Throwable error) {
      System.err.println("DynamoDbLocalLoopback: " + error);
      error.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    String host = "127.0.0.1";
    if (args.length >= 2 && args[0].equals("--host")) {
      host = args[1];
      args = java.util.Arrays.copyOfRange(args, 2, args.length);
    }
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof ServerConnector) {
        ((ServerConnector) connector).setHost(host);
        bound++;
      }
    }
    if (bound == 0) {
      System.err.println("DynamoDbLocalLoopback: no Jetty ServerConnector found; refusing to bind all interfaces");
      System.exit(2);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        proxy.stop();
      } catch (Exception ignored) {
        // The JVM is going away anyway.
      }
    }));
    proxy.start();
    // DynamoDBProxyServer.start() only prints a failed bind ("Could not start server on port")
    // and stops Jetty, leaving the JVM running: fail loudly instead.
    boolean open = jetty.isStarted();
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof ServerConnector && !((ServerConnector) connector).isOpen()) open = false;
    }
    if (!open) {
      System.err.println("DynamoDbLocalLoopback: the server did not start (is the port in use?)");
      System.exit(3);
    }
    System.out.println("DynamoDbLocalLoopback: listening on " + host);
    System.out.flush();
    proxy.join();
  }
}
