using OnnxMec.Host.Cli;

return OnnxMecCommandLine.Create().Parse(args).Invoke();
