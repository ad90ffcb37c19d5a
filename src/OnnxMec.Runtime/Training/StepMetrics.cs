namespace OnnxMec.Runtime;

/// <summary>What one training step reports: the loss and the MEC health metrics.</summary>
public readonly record struct StepMetrics(float Loss, float CodingLength, float PositiveCosine, float SpectralNorm);

/// <summary>The schedules' values for one step.</summary>
public readonly record struct StepScalars(float LearningRate, float LambdaInv, float EmaMomentum);

/// <summary>An eval graph's outputs for a batch: pooled features [N, F] and embeddings [N, d], row-major.</summary>
public sealed record EvalOutputs(float[] Features, int FeatureDim, float[] Embeddings, int EmbeddingDim);
