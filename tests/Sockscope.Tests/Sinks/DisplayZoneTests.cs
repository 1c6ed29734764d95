using Sockscope.Sinks;

namespace Sockscope.Tests.Sinks;

public class DisplayZoneTests
{
    private static readonly DateTime At = new DateTime(2026, 6, 2, 2, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567);

    [Fact]
    public void Utc_is_written_with_a_z()
    {
        var zone = new DisplayZone(null);
        Assert.True(zone.IsUtc);
        Assert.Equal("UTC", zone.Label);
        Assert.Equal("2026-06-02T02:00:00.1234567Z", zone.Iso(At));
    }

    [Fact]
    public void A_zone_behind_utc_by_a_half_hour_gives_the_day_before_and_its_offset()
    {
        var newfoundland = TimeZoneInfo.CreateCustomTimeZone("Test/Newfoundland", TimeSpan.FromMinutes(-210), "N", "N");
        var zone = new DisplayZone(newfoundland);
        Assert.False(zone.IsUtc);
        Assert.Equal("local", zone.Label);
        Assert.Equal("2026-06-01T22:30:00.1234567-03:30", zone.Iso(At));
        Assert.Equal(new DateTime(2026, 6, 1, 22, 30, 0).AddTicks(1_234_567), zone.ToZone(At));
        Assert.Null(zone.Iso(null));
    }

    [Fact]
    public void A_zone_with_no_offset_and_no_daylight_time_counts_as_utc()
    {
        var zone = new DisplayZone(TimeZoneInfo.CreateCustomTimeZone("Test/Zero", TimeSpan.Zero, "Z", "Z"));
        Assert.True(zone.IsUtc);
        Assert.Equal("2026-06-02T02:00:00.1234567Z", zone.Iso(At));
    }
}
