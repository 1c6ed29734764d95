namespace Sockscope.Schema;

/// <summary>How a field is laid out in the payload: TDH's in-types (TDH_INTYPE_*), with their numeric values.</summary>
public enum InType : ushort
{
    /// <summary>No value.</summary>
    Null = 0,
    /// <summary>NUL-terminated UTF-16LE string.</summary>
    UnicodeString = 1,
    /// <summary>NUL-terminated 8-bit string.</summary>
    AnsiString = 2,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 6,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 7,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 8,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 9,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 10,
    /// <summary>32-bit IEEE float.</summary>
    Float = 11,
    /// <summary>64-bit IEEE float.</summary>
    Double = 12,
    /// <summary>32-bit Boolean (0 false, else true).</summary>
    Boolean = 13,
    /// <summary>Bytes whose length is fixed or given by another field.</summary>
    Binary = 14,
    /// <summary>16-byte GUID.</summary>
    Guid = 15,
    /// <summary>A pointer: 4 or 8 bytes by the record's pointer size.</summary>
    Pointer = 16,
    /// <summary>8-byte FILETIME.</summary>
    FileTime = 17,
    /// <summary>16-byte SYSTEMTIME.</summary>
    SystemTime = 18,
    /// <summary>A SID of variable length.</summary>
    Sid = 19,
    /// <summary>32-bit integer shown in hexadecimal.</summary>
    HexInt32 = 20,
    /// <summary>64-bit integer shown in hexadecimal.</summary>
    HexInt64 = 21,
    /// <summary>UTF-16 string preceded by a 16-bit byte count (manifest and TraceLogging counted string).</summary>
    CountedString = 22,
    /// <summary>8-bit string preceded by a 16-bit byte count.</summary>
    CountedAnsiString = 23,
    /// <summary>A TraceLogging structure: the next N fields are its members.</summary>
    Struct = 24,
    /// <summary>Bytes preceded by a 16-bit byte count.</summary>
    CountedBinary = 25,
    /// <summary>A size_t: pointer-sized unsigned integer.</summary>
    SizeT = 308,
}

/// <summary>How a field's value is shown: TDH's out-types (TDH_OUTTYPE_*), with their numeric values.</summary>
public enum OutType : ushort
{
    /// <summary>The in-type's default.</summary>
    Null = 0,
    /// <summary>Text.</summary>
    String = 1,
    /// <summary>Date and time.</summary>
    DateTime = 2,
    /// <summary>Signed byte.</summary>
    Byte = 3,
    /// <summary>Unsigned byte.</summary>
    UnsignedByte = 4,
    /// <summary>Signed 16-bit.</summary>
    Short = 5,
    /// <summary>Unsigned 16-bit.</summary>
    UnsignedShort = 6,
    /// <summary>Signed 32-bit.</summary>
    Int = 7,
    /// <summary>Unsigned 32-bit.</summary>
    UnsignedInt = 8,
    /// <summary>Signed 64-bit.</summary>
    Long = 9,
    /// <summary>Unsigned 64-bit.</summary>
    UnsignedLong = 10,
    /// <summary>Float.</summary>
    Float = 11,
    /// <summary>Double.</summary>
    Double = 12,
    /// <summary>true or false.</summary>
    Boolean = 13,
    /// <summary>A GUID.</summary>
    Guid = 14,
    /// <summary>Bytes as hexadecimal.</summary>
    HexBinary = 15,
    /// <summary>8-bit hexadecimal.</summary>
    HexInt8 = 16,
    /// <summary>16-bit hexadecimal.</summary>
    HexInt16 = 17,
    /// <summary>32-bit hexadecimal.</summary>
    HexInt32 = 18,
    /// <summary>64-bit hexadecimal.</summary>
    HexInt64 = 19,
    /// <summary>A process id.</summary>
    Pid = 20,
    /// <summary>A thread id.</summary>
    Tid = 21,
    /// <summary>A port in network byte order.</summary>
    Port = 22,
    /// <summary>An IPv4 address in network byte order.</summary>
    IPv4 = 23,
    /// <summary>An IPv6 address.</summary>
    IPv6 = 24,
    /// <summary>A SOCKADDR.</summary>
    SocketAddress = 25,
    /// <summary>CIM date and time.</summary>
    CimDateTime = 26,
    /// <summary>ETW time.</summary>
    EtwTime = 27,
    /// <summary>XML text.</summary>
    Xml = 28,
    /// <summary>An error code.</summary>
    ErrorCode = 29,
    /// <summary>A Win32 (or Winsock) error code.</summary>
    Win32Error = 30,
    /// <summary>An NTSTATUS.</summary>
    NTStatus = 31,
    /// <summary>An HRESULT.</summary>
    HResult = 32,
    /// <summary>Culture-insensitive date and time.</summary>
    CultureInsensitiveDateTime = 33,
    /// <summary>JSON text.</summary>
    Json = 34,
    /// <summary>UTF-8 text.</summary>
    Utf8 = 35,
    /// <summary>PKCS#7 with type information.</summary>
    Pkcs7WithTypeInfo = 36,
    /// <summary>An address of code.</summary>
    CodePointer = 37,
    /// <summary>UTC date and time.</summary>
    DateTimeUtc = 38,
}

/// <summary>Winsock's documented value sets that manifests do not carry as maps.</summary>
public enum KnownValues : byte
{
    /// <summary>None.</summary>
    None,
    /// <summary>AF_* address families.</summary>
    AddressFamily,
    /// <summary>IPPROTO_* protocols (IANA keywords).</summary>
    IpProtocol,
    /// <summary>SOCK_* socket types.</summary>
    SocketType,
}
