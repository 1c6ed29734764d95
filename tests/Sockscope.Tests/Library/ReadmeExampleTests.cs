using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Library;

/// <summary>
/// The README's library example is a whole program: it is compiled here against the library as built (with the
/// library's own public surface only: nothing of the tests' internals access), run as a process of its own on the
/// shipped sample, and what it prints is checked, so the README cannot drift from the API.
/// </summary>
public sealed class ReadmeExampleTests : IDisposable
{
    private const string Marker = "// The library's jobs in one program";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The C# block of the README that starts with <see cref="Marker"/>.</summary>
    internal static string Example()
    {
        string readme = File.ReadAllText(Path.Combine(SharedSamples.RepositoryRoot, "README.md"));
        var blocks = Regex.Matches(readme, "```csharp\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).Where(b => b.StartsWith(Marker, StringComparison.Ordinal)).ToList();
        return Assert.Single(blocks);
    }

    [Fact]
    public void The_readme_example_compiles_and_prints_the_samples_sockets_and_findings()
    {
        string program = Build(Example());
        string sample = Path.Combine(SharedSamples.RepositoryRoot, "samples", "winsock-mixed.etl");
        var (code, output, error) = Run(program, sample);
        Assert.Equal("", error);
        Assert.Equal(0, code);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // The sample's figures, as `sockscope info` and `sockscope summary` give them: 603 records, 582 of them in
        // the event-header layout, all of the three Winsock providers; 33 sockets; 21 findings.
        Assert.Equal("603 records, 582 decoded", lines[0]);
        Assert.Equal(33, lines.Count(l => l.StartsWith("socket ", StringComparison.Ordinal)));
        Assert.Equal("33 sockets, 21 findings", lines[^2]);
        Assert.Contains(lines, l => l.EndsWith(": chrome.exe (7420) to 203.0.113.10:443, sent 1541, received 23230", StringComparison.Ordinal));
        Assert.Contains("connect_failed [2001:db8::dead:beef]:443: connect failed: STATUS_CONNECTION_REFUSED", lines);
        Assert.Equal("wrote 33 sockets as JSON lines", lines[^1]);
        Assert.Equal(33, File.ReadAllLines(_dir.File("sockets.jsonl")).Length);
    }

    /// <summary>What a console project of the .NET SDK imports for every file (ImplicitUsings).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>Compiles <paramref name="source"/> into a program beside a copy of the library; returns its path.</summary>
    private string Build(string source)
    {
        string library = typeof(Sockscope.Etl.EtlReader).Assembly.Location;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(library)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("readme-example",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)), CSharpSyntaxTree.ParseText(ImplicitUsings)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        string path = _dir.File("readme-example.dll");
        var result = compilation.Emit(path);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));

        // The library and what it loads, beside the program, as a project reference would put them.
        string bin = Path.GetDirectoryName(library)!;
        foreach (string dll in Directory.GetFiles(bin, "*.dll").Where(d => Path.GetFileName(d).StartsWith("Sockscope.Core", StringComparison.Ordinal)
                     || Path.GetFileName(d).StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal) || Path.GetFileName(d).StartsWith("SQLitePCLRaw", StringComparison.Ordinal)))
            File.Copy(dll, _dir.File(Path.GetFileName(dll)), overwrite: true);
        var version = Environment.Version;
        File.WriteAllText(_dir.File("readme-example.runtimeconfig.json"),
            $$"""{ "runtimeOptions": { "tfm": "net{{version.Major}}.{{version.Minor}}", "framework": { "name": "Microsoft.NETCore.App", "version": "{{version}}" } } }""");
        return path;
    }

    private (int Code, string Output, string Error) Run(string program, string trace)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath! : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir.Path,
        };
        start.ArgumentList.Add(program);
        start.ArgumentList.Add(trace);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
