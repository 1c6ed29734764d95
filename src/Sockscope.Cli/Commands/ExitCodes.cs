namespace Sockscope.Cli.Commands;

/// <summary>What the process's exit code tells a script.</summary>
public static class ExitCodes
{
    /// <summary>The file was read without trouble.</summary>
    public const int Ok = 0;
    /// <summary>The output was written, but the file is damaged: some of it could not be read (see the warnings).</summary>
    public const int Damaged = 1;
    /// <summary>Nothing useful was done: bad usage, or a file that cannot be read as an ETL file at all.</summary>
    public const int Error = 2;
}
