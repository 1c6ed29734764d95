using Sockscope.Cli.Commands;
using Sockscope.Schema;

// The commands that decode need the catalog: loading it meanwhile hides its cost behind the command line's set-up.
if (args.Length > 0 && args[0] is "sockets" or "summary" or "dump") SchemaCatalog.Preload();
return Cli.Run(args, CliConsole.FromProcess());
