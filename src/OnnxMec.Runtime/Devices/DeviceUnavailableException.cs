namespace OnnxMec.Runtime;

/// <summary>The requested execution provider cannot be used here; the message says what to install.</summary>
public sealed class DeviceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
