namespace Sockscope.Etl.Writing;

/// <summary>An extended data item to attach to an EVENT_HEADER record.</summary>
/// <param name="Type">The item type.</param>
/// <param name="Data">The item's bytes (at most 65,535).</param>
internal readonly record struct ExtendedDataItemValue(ExtendedDataType Type, ReadOnlyMemory<byte> Data);
