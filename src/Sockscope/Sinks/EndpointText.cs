using System.Net;
using System.Net.Sockets;

namespace Sockscope.Sinks;

/// <summary>Endpoints as UTF-8 text, the way <see cref="IPEndPoint.ToString"/> writes them ("1.2.3.4:80", "[::1]:80"), without a string.</summary>
internal static class EndpointText
{
    /// <summary>Bytes that hold any endpoint: "[", an IPv6 address with a scope (at most 56), "]:", a port.</summary>
    public const int MaxLength = 72;

    /// <summary>Writes <paramref name="endpoint"/> to <paramref name="output"/> (<see cref="MaxLength"/> bytes hold any); returns the length.</summary>
    public static int Format(IPEndPoint endpoint, Span<byte> output)
    {
        bool v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        int n = 0;
        if (v6) output[n++] = (byte)'[';
        if (!endpoint.Address.TryFormat(output[n..], out int written)) return System.Text.Encoding.UTF8.GetBytes(endpoint.ToString(), output);
        n += written;
        if (v6) output[n++] = (byte)']';
        output[n++] = (byte)':';
        endpoint.Port.TryFormat(output[n..], out written, default, System.Globalization.CultureInfo.InvariantCulture);
        return n + written;
    }
}
