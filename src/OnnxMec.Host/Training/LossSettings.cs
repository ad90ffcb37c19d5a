using OnnxMec.Graphs;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Training;

/// <summary>A run's "Loss" settings for the loss its artifact set was built with: the loss's defaults overridden by the run's, every unknown or invalid one refused.</summary>
internal static class LossSettings
{
    public static IReadOnlyDictionary<string, double> Resolve(ILoss loss, string lossName, IReadOnlyDictionary<string, double> given)
    {
        var settings = new Dictionary<string, double>(loss.DefaultSettings, StringComparer.OrdinalIgnoreCase);
        var errors = new List<string>();
        foreach (var (key, value) in given)
        {
            if (!settings.ContainsKey(key)) errors.Add($"Loss:{key}: the '{lossName}' loss has no such setting ({string.Join(", ", loss.DefaultSettings.Keys)})");
            else settings[key] = value;
        }
        if (errors.Count == 0) errors.AddRange(loss.ValidateSettings(settings));
        if (errors.Count > 0) throw new OptionsInvalidException(errors);
        return settings;
    }
}
