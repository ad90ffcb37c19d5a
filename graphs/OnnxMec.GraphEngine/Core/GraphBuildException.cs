namespace OnnxMec.GraphEngine;

/// <summary>A graph that cannot be built as asked: the message names the node and the shapes involved.</summary>
public sealed class GraphBuildException(string message) : Exception(message);
