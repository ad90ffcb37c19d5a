namespace OnnxMec.Data;

/// <summary>
/// One augmentation step. It transforms <paramref name="image"/> in place, or writes its result
/// into <paramref name="spare"/>, and returns whichever holds the result; every random draw comes
/// from <paramref name="rng"/>.
/// </summary>
public interface IAugmentation
{
    FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng);
}
