namespace OnnxMec.Contract;

/// <summary>
/// The state a run starts from, made from a manifest: the online network's tensors (seeded, or
/// given), the target as a copy of them, and zero momenta.
/// </summary>
public static class InitialState
{
    public static bool IsOnline(ManifestTensor t) => t.Role is Roles.Param or Roles.BnStat;

    /// <summary>The online parameters and BN statistics drawn from a seed (the manifest's by default), in manifest order.</summary>
    public static IReadOnlyList<NamedTensor> OnlineFromSeed(Manifest manifest, int? seed = null)
    {
        var rng = new Random(seed ?? manifest.Weights.Seed);
        return manifest.Tensors.Where(IsOnline)
            .Select(t => NamedTensor.Float32(t.Name, t.Shape, TensorInit.Fill(t.Init, t.Shape, t.FanIn, rng)))
            .ToList();
    }

    /// <summary>
    /// Every state tensor in manifest order: online ones from <paramref name="online"/> (checked by
    /// name, shape and dtype, every mismatch reported at once), the rest as their init says.
    /// </summary>
    public static IReadOnlyList<NamedTensor> Complete(Manifest manifest, IReadOnlyList<NamedTensor> online, string source)
    {
        var byName = online.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        var state = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var t in manifest.Tensors)
        {
            if (IsOnline(t))
            {
                if (!byName.TryGetValue(t.Name, out var given)) { problems.Add($"'{t.Name}' is missing (expected float32 [{string.Join(",", t.Shape)}])"); continue; }
                if (given.DType != "F32") problems.Add($"'{t.Name}' is {given.DType}, expected F32");
                else if (!given.Shape.SequenceEqual(t.Shape)) problems.Add($"'{t.Name}' has shape [{string.Join(",", given.Shape)}], expected [{string.Join(",", t.Shape)}]");
                else state[t.Name] = given;
            }
            else if (t.Init == TensorInit.Copy)
            {
                if (state.TryGetValue(t.CopyOf ?? "", out var original)) state[t.Name] = original with { Name = t.Name };
            }
            else state[t.Name] = NamedTensor.Float32(t.Name, t.Shape, TensorInit.Fill(t.Init, t.Shape, t.FanIn, new Random(0)));
        }
        if (problems.Count > 0)
            throw new InvalidDataException(Problems.Join($"{source} does not fit artifact set '{manifest.Name}'", problems));
        return manifest.Tensors.Select(t => state[t.Name]).ToList();
    }
}
