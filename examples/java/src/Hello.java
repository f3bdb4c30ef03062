// Hello world for microcf and Cloud Foundry: answers every GET on $PORT.
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

public class Hello {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    String index = System.getenv().getOrDefault("CF_INSTANCE_INDEX", "0");
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/", exchange -> {
      // One line per request on stdout, which the platform shows as APP logs.
      System.out.println(exchange.getRemoteAddress() + " " + exchange.getRequestMethod() + " "
          + exchange.getRequestURI());
      byte[] body = ("Hello from microcf java, instance " + index + "\n")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(200, head ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        if (!head) out.write(body);
      }
    });
    server.start();
    System.out.println("listening on port " + port + " with max heap "
        + Runtime.getRuntime().maxMemory() / (1024 * 1024) + "M");
  }
}
