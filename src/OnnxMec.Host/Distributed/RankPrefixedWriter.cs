using System.Text;

namespace OnnxMec.Host.Distributed;

/// <summary>Error lines of a process other than rank 0, marked with its rank so a failure on one machine is not silent nor mistaken for rank 0's.</summary>
internal sealed class RankPrefixedWriter(TextWriter inner, int rank) : TextWriter
{
    private bool _lineStart = true;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (_lineStart) inner.Write($"rank {rank}: ");
        inner.Write(value);
        _lineStart = value == '\n';
    }

    public override void Flush() => inner.Flush();
}
