using Microsoft.ML.OnnxRuntime;
using OnnxMec.GraphEngine;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

/// <summary>A kNN monitor's result: top-1 and top-5 accuracy of the queries, in percent.</summary>
public readonly record struct KnnResult(double Top1, double Top5, int Bank, int Queries);

/// <summary>
/// The weighted kNN classifier of InstDisc/MoCo monitors: features L2-normalised, cosine
/// similarity to every bank feature, the k nearest vote for their class with weight exp(sim / T).
/// Similarities and the top-k selection run as a small ONNX graph (MatMul + TopK). The predicted
/// classes are the vote's ranking with ties going to the lower class index, so a query counts as
/// right only where its class wins outright or by that rule: a degenerate encoder (all features
/// equal) scores about chance, never more.
/// </summary>
internal static class KnnClassifier
{
    private const int QueryBlock = 512;

    public static KnnResult Evaluate(float[] bank, int[] bankLabels, float[] queries, int[] queryLabels, int dim, int classes, int k, double temperature, SessionFactory factory) =>
        Evaluate(bank, bankLabels, queries, queryLabels, dim, classes, [k], temperature, factory)[0];

    /// <summary>The accuracy at several k from one similarity pass (the nearest neighbours come sorted, so each smaller k is a prefix).</summary>
    public static KnnResult[] Evaluate(float[] bank, int[] bankLabels, float[] queries, int[] queryLabels, int dim, int classes, IReadOnlyList<int> ks, double temperature, SessionFactory factory)
    {
        int bankCount = bankLabels.Length, queryCount = queryLabels.Length;
        int k = Math.Min(ks.Max(), bankCount);
        Normalise(bank, dim);
        Normalise(queries, dim);
        var g = new GraphBuilder("knn");
        var q = g.Input("queries", DType.Float, new Shape(Dim.Sym("Q"), dim));
        var b = g.Input("bank", DType.Float, Shape.Of(bankCount, dim));
        var similarity = g.MatMul(q, g.Transpose(b, 1, 0));
        var top = g.Emit("TopK", [similarity, g.Ints(k)], [(DType.Float, new Shape(Dim.Sym("Q"), k)), (DType.Int64, new Shape(Dim.Sym("Q"), k))], hint: "topk");
        g.Output(top[0], "values");
        g.Output(top[1], "indices");
        using var session = factory.Open(ModelWriter.ToBytes(g), "the kNN graph");
        using var bankValue = OrtValue.CreateTensorValueFromMemory(bank, [bankCount, dim]);

        var correct1 = new int[ks.Count];
        var correct5 = new int[ks.Count];
        var votes = new double[classes];
        for (int start = 0; start < queryCount; start += QueryBlock)
        {
            int n = Math.Min(QueryBlock, queryCount - start);
            using var queryValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, queries.AsMemory(start * dim, n * dim), [n, dim]);
            using var runOptions = new RunOptions();
            using var result = session.Run(runOptions, ["queries", "bank"], [queryValue, bankValue], ["values", "indices"]);
            var values = result[0].GetTensorDataAsSpan<float>();
            var indices = result[1].GetTensorDataAsSpan<long>();
            for (int i = 0; i < n; i++)
                for (int c = 0; c < ks.Count; c++)
                {
                    Array.Clear(votes);
                    for (int j = 0; j < Math.Min(ks[c], k); j++) votes[bankLabels[indices[i * k + j]]] += Math.Exp(values[i * k + j] / temperature);
                    int rank = Ranking.RankOf(votes, queryLabels[start + i]);
                    if (rank == 0) correct1[c]++;
                    if (rank < 5) correct5[c]++;
                }
        }
        return ks.Select((_, c) => new KnnResult(100.0 * correct1[c] / queryCount, 100.0 * correct5[c] / queryCount, bankCount, queryCount)).ToArray();
    }

    private static void Normalise(float[] rows, int dim)
    {
        for (int r = 0; r < rows.Length / dim; r++)
        {
            var row = rows.AsSpan(r * dim, dim);
            double norm = 0;
            foreach (float v in row) norm += v * v;
            float scale = (float)(1 / Math.Max(Math.Sqrt(norm), 1e-12));
            for (int i = 0; i < row.Length; i++) row[i] *= scale;
        }
    }
}
