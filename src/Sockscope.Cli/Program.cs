using Sockscope.Cli.Commands;
using Sockscope.Schema;

// Every command but info and synth reads the catalog (dump, sockets, summary, report and export decode; catalog
// prints it): loading it meanwhile hides its cost behind the command line's set-up.
if (args.Length > 0 && args[0] is not ("info" or "synth")) SchemaCatalog.Preload();
return Cli.Run(args, CliConsole.FromProcess());
