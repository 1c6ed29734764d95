namespace Sockscope.Tests.Support;

/// <summary>A test of named pipes and /dev/stdin, which Windows does not have: skipped there.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "named pipes (mkfifo) and /dev/stdin are Unix's";
    }
}

/// <summary>A theory of named pipes, which Windows does not have: skipped there.</summary>
public sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "named pipes (mkfifo) are Unix's";
    }
}
