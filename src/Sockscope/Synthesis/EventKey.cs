namespace Sockscope.Synthesis;

/// <summary>An event kind: provider GUID and event id (for kernel records, the class GUID and the opcode).</summary>
/// <param name="Provider">The provider (or kernel event class) GUID.</param>
/// <param name="Id">The event id (kernel: the opcode).</param>
internal readonly record struct EventKey(Guid Provider, ushort Id);
