package backpropamine.cli;

import backpropamine.model.ModelKind;
import backpropamine.train.TrialConfig;
import backpropamine.train.TrialSetting;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options of a trial on the command line, one per {@link TrialSetting}: {@code --decay-start} for
 * {@code decay_start}, with the setting's default and description. Values are read by the setting's own parser,
 * the one sweep files use, so both accept and refuse the same text.
 */
final class TrialOptions {
    private TrialOptions() {
    }

    /** Adds an option per trial setting to {@code spec}; the variant is required. */
    static void addTo(CommandSpec spec) {
        for (TrialSetting s : TrialSetting.values()) {
            List<String> names = new ArrayList<>(List.of(s.option()));
            names.addAll(List.of(s.optionAliases()));
            OptionSpec.Builder o = OptionSpec.builder(names.toArray(String[]::new)).type(String.class)
                    .paramLabel(s.kind() == TrialSetting.Kind.SIZE_OR_AUTO ? "N|auto" : s.key().toUpperCase());
            if (s == TrialSetting.VARIANT) {
                o.required(true).description(s.description());
            } else {
                o.description(s.description() + " (default " + defaults(s) + ")");
            }
            spec.addOption(o.build());
        }
    }

    /** A setting's default in words: "13", or "13; large model: 500" where the large model has its own. */
    static String defaults(TrialSetting s) {
        String basic = s.format(s.defaultValue(ModelKind.BASIC));
        return s.hasLargeDefault() ? basic + "; large model: " + s.format(s.defaultValue(ModelKind.LARGE)) : basic;
    }

    /**
     * The trial the parsed options describe.
     *
     * @throws IllegalArgumentException naming the option and the problem
     */
    static TrialConfig config(CommandSpec spec) {
        TrialConfig.Builder b = TrialConfig.builder(null);
        for (TrialSetting s : TrialSetting.values()) {
            String text = spec.findOption(s.option()).getValue();
            if (text == null) {
                continue; // the default of the trial's model
            }
            try {
                b.set(s, s.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(s.option() + ": " + e.getMessage());
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            TrialSetting s = TrialSetting.byKey(e.getMessage().split(" ", 2)[0]);
            throw new IllegalArgumentException((s == null ? "" : s.option() + ": ") + e.getMessage());
        }
    }
}
