using Sockscope.Cli.Commands;

return Cli.Run(args, CliConsole.FromProcess());
