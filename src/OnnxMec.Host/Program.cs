using OnnxMec.Host.Cli;

return OnnxMecCommandLine.Invoke(args);
