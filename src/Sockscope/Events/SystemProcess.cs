namespace Sockscope.Events;

/// <summary>The System process: kernel work (AFD completions, a close by the last reference) is logged under it.</summary>
internal static class SystemProcess
{
    public const uint Id = 4;
}
