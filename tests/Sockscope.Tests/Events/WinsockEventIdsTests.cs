using System.Reflection;
using Sockscope.Events;
using Sockscope.Schema;

namespace Sockscope.Tests.Events;

/// <summary>
/// Every named Winsock event id is the event the shipped catalog gives that name: a constant with a wrong number
/// (or two constants swapped) names an event of another task, symbol or message, and fails here.
/// </summary>
public class WinsockEventIdsTests
{
    private static ProviderSchema Provider(Guid guid) => SchemaCatalog.Winsock.Find(guid)!;

    private static IEnumerable<(string Name, ushort Id)> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (f.Name, (ushort)f.GetRawConstantValue()!));

    private static List<EventSchema> EventsOf(ProviderSchema provider, ushort id) => provider.Events.Where(e => e.Id == id).ToList();

    [Fact]
    public void Afd_ids_are_the_catalogs_tasks_of_that_name()
    {
        var afd = Provider(WellKnownProviders.WinsockAfd);
        var constants = Constants(typeof(AfdEventIds)).ToList();
        Assert.Equal(30, constants.Count);
        foreach (var (name, id) in constants)
        {
            var events = EventsOf(afd, id);
            Assert.True(events.Count > 0, $"AfdEventIds.{name} = {id}: no such AFD event");
            Assert.All(events, e => Assert.Equal("Afd" + name, e.TaskName));
        }
    }

    [Fact]
    public void Windows7_afd_ids_are_the_catalogs_events_of_that_message()
    {
        // The catalog names the events 1–41 only by their message; V4 and V6 are the same message, told apart by the
        // address's type.
        var messages = new Dictionary<string, string>
        {
            ["Create"] = "Socket creation:", ["BindV4"] = "Socket bind:", ["BindV6"] = "Socket bind:", ["ConnectV4"] = "Socket connect:",
            ["ConnectV6"] = "Socket connect:", ["ConnectCompleted"] = "Connect completed:", ["AfdAbort"] = "AFD initiated abort:",
            ["TransportAbort"] = "Transport initiated abort:", ["SendFailed"] = "Failed send request:", ["SendMessageFailed"] = "Failed WSASendMsg request:",
            ["ReceiveFailed"] = "Failed recv request:", ["ReceiveFromFailed"] = "Failed recvfrom request:", ["Close"] = "Socket close:",
            ["Cleanup"] = "Socket cleanup", ["AcceptV4"] = "Socket accept:", ["AcceptV6"] = "Socket accept:", ["AcceptFailed"] = "Accept failed:",
            ["SendPosted"] = "Send posted:", ["ReceivePosted"] = "Receive posted:", ["ReceiveFromPosted"] = "RecvFrom posted:",
            ["SendToPostedV4"] = "SendTo posted:", ["SendToPostedV6"] = "SendTo posted:", ["ReceiveCompleted"] = "Recv completed:",
            ["SendCompleted"] = "Send completed:", ["SendMessageCompleted"] = "SendMsg completed:", ["ReceiveFromCompletedV4"] = "RecvFrom completed:",
            ["ReceiveFromCompletedV6"] = "RecvFrom completed:", ["SendToCompleted"] = "SendTo completed:", ["OptionSet"] = "Socket option set:",
            ["EventSelect"] = "WSAEventSelect:", ["DatagramDroppedV4"] = "Datagram dropped:", ["DatagramDroppedV6"] = "Datagram dropped:",
            ["ConnectionIndicatedV4"] = "Connection indicated:", ["ConnectionIndicatedV6"] = "Connection indicated:", ["BindFailed"] = "Failed bind:",
        };
        var afd = Provider(WellKnownProviders.WinsockAfd);
        var constants = Constants(typeof(LegacyAfdEventIds)).ToList();
        Assert.Equal(messages.Keys.Order(), constants.Select(c => c.Name).Order());
        foreach (var (name, id) in constants)
        {
            var events = EventsOf(afd, id);
            Assert.True(events.Count > 0, $"LegacyAfdEventIds.{name} = {id}: no such AFD event");
            Assert.All(events, e => Assert.StartsWith(messages[name], e.Message));
            if (name.EndsWith("V4") || name.EndsWith("V6"))
                Assert.All(events, e => Assert.Equal(name.EndsWith("V6") ? OutType.IPv6 : OutType.IPv4, e.Fields[e.IndexOf("Address")].OutType));
        }
    }

    [Fact]
    public void Sockets_ids_are_the_catalogs_symbols_of_that_name()
    {
        var sockets = Provider(WellKnownProviders.WinsockSockets);
        var constants = Constants(typeof(SocketsEventIds)).ToList();
        Assert.Equal(14, constants.Count);
        foreach (var (name, id) in constants)
        {
            var events = EventsOf(sockets, id);
            Assert.True(events.Count > 0, $"SocketsEventIds.{name} = {id}: no such Sockets event");
            Assert.All(events, e => Assert.Equal("Sock" + name, e.Symbol));
        }
    }

    [Fact]
    public void Name_resolution_ids_are_the_query_and_its_results()
    {
        var names = Provider(WellKnownProviders.WinsockNameResolution);
        Assert.All(EventsOf(names, NameResolutionEventIds.Query), e => Assert.True(e.IndexOf("NodeName") >= 0 && e.IndexOf("Status") < 0));
        foreach (ushort result in new[] { NameResolutionEventIds.Result, NameResolutionEventIds.AsyncResult })
        {
            var events = EventsOf(names, result);
            Assert.NotEmpty(events);
            Assert.All(events, e => Assert.True(e.IndexOf("Status") >= 0 && e.IndexOf("Result") >= 0, $"{e.Id} has no Status and Result"));
        }
        Assert.NotEmpty(EventsOf(names, NameResolutionEventIds.Query));
    }
}
