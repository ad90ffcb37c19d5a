using System.Text.Json.Serialization;
using OnnxMec.Host.Bench;
using OnnxMec.Host.Training;

namespace OnnxMec.Host.Cli;

/// <summary>
/// Every JSON line the program writes for other programs: the result record of each verb's
/// --json and the records of metrics.jsonl. snake_case names; NaN and infinities as "NaN",
/// "Infinity" and "-Infinity", so a diverging step still makes valid JSON. Source-generated, so a
/// trimmed build writes them without reflection; a type missing here fails on first use (and in the tests).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(KnnEvalJson))]
[JsonSerializable(typeof(LinearEvalJson))]
[JsonSerializable(typeof(ExportJson))]
[JsonSerializable(typeof(ArtifactsBuildJson))]
[JsonSerializable(typeof(TrainJson))]
[JsonSerializable(typeof(StepBenchJson))]
[JsonSerializable(typeof(DataBenchJson))]
[JsonSerializable(typeof(LossBenchJson))]
[JsonSerializable(typeof(QualityBenchJson))]
[JsonSerializable(typeof(AblationsBenchJson))]
[JsonSerializable(typeof(AblationResultFile))]
[JsonSerializable(typeof(FineTuneJson))]
[JsonSerializable(typeof(KnnRecord))]
[JsonSerializable(typeof(BatchNormRecord))]
[JsonSerializable(typeof(VerifyRecord))]
// A metrics.jsonl step is a dictionary of numbers, named by the graph's outputs and scalars.
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(double))]
internal sealed partial class OutputJsonContext : JsonSerializerContext;
