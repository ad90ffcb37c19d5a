namespace OnnxMec.Graphs;

/// <summary>The losses an artifact set can be built with, by the name its config's <c>loss</c> gives.</summary>
public static class Losses
{
    public static Registry<ILoss> All { get; } = new("loss", "loss",
    [
        new("mec", new MecObjective()),
    ]);
}
