// Kafka Connect's own JsonConverter as an oracle: each stdin line is a base64 message; the answer line is the
// base64 of toConnectData then fromConnectData (schemas.enable=true), or "ERROR <class>: <message>".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;

public class JsonConverterOracle {
  public static void main(String[] args) throws Exception {
    JsonConverter converter = new JsonConverter();
    converter.configure(Map.of("schemas.enable", "true", "converter.type", "value"));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String answer;
      try {
        byte[] bytes = Base64.getDecoder().decode(line.trim());
        SchemaAndValue data = converter.toConnectData("t", bytes);
        answer = Base64.getEncoder().encodeToString(converter.fromConnectData("t", data.schema(), data.value()));
      } catch (Exception e) {
        answer = "ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      System.out.println(answer);
    }
  }
}
