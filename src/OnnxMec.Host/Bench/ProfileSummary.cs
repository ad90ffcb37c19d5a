using System.Globalization;
using System.Text.Json;

namespace OnnxMec.Host.Bench;

/// <summary>
/// Time per operator type in one ORT profile (the Chrome-trace JSON that SessionOptions.EnableProfiling
/// writes): node events are summed by op_name over every run the session made, so the shares say
/// where a step's time goes.
/// </summary>
internal sealed record ProfileSummary(string File, int Runs, IReadOnlyList<(string Op, int Nodes, double Ms)> Ops)
{
    public static ProfileSummary Read(string file)
    {
        using var stream = System.IO.File.OpenRead(file);
        using var trace = JsonDocument.Parse(stream);
        var ops = new Dictionary<string, (HashSet<string> Nodes, double Us)>(StringComparer.Ordinal);
        int runs = 0;
        foreach (var e in trace.RootElement.EnumerateArray())
        {
            string cat = e.TryGetProperty("cat", out var c) ? c.GetString() ?? "" : "";
            string name = e.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
            if (cat == "Session" && name == "model_run") runs++;
            // Each node logs fence_before, kernel_time and fence_after; kernel_time is the work.
            if (cat != "Node" || !name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            string op = e.GetProperty("args").TryGetProperty("op_name", out var o) ? o.GetString() ?? "?" : "?";
            (HashSet<string> Nodes, double Us) entry = ops.TryGetValue(op, out var found) ? found : (new HashSet<string>(StringComparer.Ordinal), 0.0);
            entry.Nodes.Add(name);
            entry.Us += e.GetProperty("dur").GetDouble();
            ops[op] = entry;
        }
        return new ProfileSummary(file, runs, ops.Select(p => (p.Key, p.Value.Nodes.Count, p.Value.Us / 1000)).OrderByDescending(p => p.Item3).ToList());
    }

    public void WriteTable(TextWriter output)
    {
        double total = Ops.Sum(o => o.Ms);
        int runs = Math.Max(Runs, 1);
        output.WriteLine();
        output.WriteLine($"{File}: {Runs} runs, node time per run by operator type");
        output.WriteLine("| op | nodes | ms per run | share |");
        output.WriteLine("|---|---|---|---|");
        foreach (var (op, nodes, ms) in Ops)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {op} | {nodes} | {ms / runs:F1} | {100 * ms / total:F1} % |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| total | {Ops.Sum(o => o.Nodes)} | {total / runs:F1} | 100 % |"));
    }
}
