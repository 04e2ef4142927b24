package backpropamine.spark;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages of both modules point one way, as their package-info.java say. Checked on the compiled classes
 * (model-core's are on this module's class path), so fully qualified references count as much as imports.
 */
class LayersTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("backpropamine");
    }

    /** model-core: cli -> golden -> train -> nn / nn64 / ops / cuda -> nd4j -> model, data. */
    @Test
    void modelCoreDependsOnlyDownwards() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("backpropamine.cli..")
                .layer("golden").definedBy("backpropamine.golden..")
                .layer("train").definedBy("backpropamine.train..")
                .layer("nn").definedBy("backpropamine.nn..")
                .layer("nn64").definedBy("backpropamine.nn64..")
                .layer("ops").definedBy("backpropamine.ops..")
                .layer("cuda").definedBy("backpropamine.cuda..")
                .layer("nd4j").definedBy("backpropamine.nd4j..")
                .layer("model").definedBy("backpropamine.model..")
                .layer("data").definedBy("backpropamine.data..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("golden").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("train").mayOnlyBeAccessedByLayers("cli", "golden")
                .whereLayer("nn").mayOnlyBeAccessedByLayers("train")
                .whereLayer("nn64").mayOnlyBeAccessedByLayers("train")
                .whereLayer("ops").mayOnlyBeAccessedByLayers("train")
                .whereLayer("cuda").mayOnlyBeAccessedByLayers("train")
                .whereLayer("nd4j").mayOnlyBeAccessedByLayers("nn", "nn64", "ops")
                .whereLayer("model").mayOnlyBeAccessedByLayers("cli", "golden", "train", "nn", "nn64", "ops", "cuda", "nd4j")
                .whereLayer("data").mayOnlyBeAccessedByLayers("cli", "train")
                .check(classes);
    }

    /**
     * What a trial on a model that is not ND4J-based runs names no ND4J class: the model interface, the data, the
     * golden check and the trial path of {@code train} (the factory {@code LanguageModels}, the legacy checkpoint
     * reader and the benchmark may; model-core's {@code NoNd4jTest} runs such a trial where ND4J cannot load).
     */
    @Test
    void theTrialPathNamesNoNd4jClass() {
        noClasses().that().resideInAnyPackage("backpropamine.model..", "backpropamine.data..", "backpropamine.golden..",
                        "backpropamine.cuda..")
                .or().haveNameMatching("backpropamine\\.train\\.(Trainer|Sgd|ParameterAverage|Checkpoint|CheckpointStore"
                        + "|PerplexityEvaluator|TrialConfig|TrialSetting|SegmentSchedule|TrialResult|EpochResult)(\\$.*)?")
                .should().dependOnClassesThat().resideInAnyPackage("org.nd4j..", "backpropamine.nd4j..")
                .check(classes);
    }

    /**
     * spark-jobs: cli -> report -> the driver and task -> sweep -> results; model-core's learning is reached only through its
     * {@code train} API, never {@code nn} or {@code ops} directly.
     */
    @Test
    void sparkJobsDependsOnlyDownwards() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("backpropamine.spark.cli..")
                .layer("report").definedBy("backpropamine.spark.report..")
                .layer("driver").definedBy("backpropamine.spark")
                .layer("sweep").definedBy("backpropamine.spark.sweep..")
                .layer("results").definedBy("backpropamine.spark.results..")
                .layer("kernels").definedBy("backpropamine.nn..", "backpropamine.nn64..", "backpropamine.ops..",
                        "backpropamine.cuda..", "backpropamine.nd4j..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("report").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("driver").mayOnlyBeAccessedByLayers("cli", "report")
                .whereLayer("sweep").mayOnlyBeAccessedByLayers("cli", "driver", "report")
                .whereLayer("results").mayOnlyBeAccessedByLayers("cli", "driver", "sweep", "report")
                .whereLayer("kernels").mayNotBeAccessedByAnyLayer()
                .check(classes);
    }
}
