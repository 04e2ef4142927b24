package backpropamine.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import backpropamine.spark.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists the trial settings exactly as {@link backpropamine.train.TrialSetting} describes them.
 * After changing a setting, {@code mvn test -pl spark-jobs -Dtest=ConfigurationDocTest -Dbpm.writeDocs=true}
 * rewrites the table.
 */
class ConfigurationDocTest {
    static final String BEGIN = "<!-- trial settings: generated from TrialSetting (ConfigurationDocTest) -->\n";
    static final String END = "<!-- end of trial settings -->";

    @Test
    void theReferenceTableIsTheSettingsTable() throws IOException {
        Path doc = TestData.root().resolve("docs/configuration.md");
        String text = Files.readString(doc);
        int a = text.indexOf(BEGIN);
        int b = text.indexOf(END);
        assertTrue(a >= 0 && b > a, "docs/configuration.md must hold the generated block between its markers");
        String expected = SweepFile.settingsReference();
        if (Boolean.getBoolean("bpm.writeDocs")) {
            Files.writeString(doc, text.substring(0, a + BEGIN.length()) + expected + text.substring(b));
            return;
        }
        assertEquals(expected, text.substring(a + BEGIN.length(), b),
                "docs/configuration.md is out of date: rerun this test with -Dbpm.writeDocs=true");
    }
}
