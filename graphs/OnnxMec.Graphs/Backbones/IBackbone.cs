using OnnxMec.Contract;
using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>
/// A backbone: images [N, C, S, S] → pooled features [N, F]. Its parameters are read through
/// <see cref="ModelWeights"/>, so their names follow the backbone's own module layout (torchvision's
/// for ResNet) and the set's manifest lists them. A new backbone is one class implementing this and
/// one line in <see cref="Backbones"/>.
/// </summary>
public interface IBackbone
{
    /// <summary>Every problem with the config fields this backbone reads; empty when it can be built from them.</summary>
    IReadOnlyList<string> Validate(ArtifactConfig config);

    /// <summary>F, the size of the feature vector.</summary>
    long FeatureDim(ArtifactConfig config);

    Value Features(ModelWeights weights, Value images, ArtifactConfig config);
}
