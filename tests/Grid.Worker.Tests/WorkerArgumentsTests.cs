using Grid.Hosting;

namespace Grid.Worker.Tests;

public class WorkerArgumentsTests
{
    [Fact]
    public void GridWorkerSwitchSelectsWorkerMode()
    {
        Assert.True(WorkerArguments.TryParse(["--grid-worker"], out var parsed, out _));
        Assert.Equal(WorkerMode.Worker, parsed.Mode);
        Assert.Null(parsed.Slots);
    }

    [Theory]
    [InlineData("--grid-slots", "3")]
    [InlineData("--grid-slots=3", null)]
    public void SlotsAreTakenInEitherSpelling(string first, string? second)
    {
        string[] args = second is null ? ["--grid-worker", first] : ["--grid-worker", first, second];
        Assert.True(WorkerArguments.TryParse(args, out var parsed, out _));
        Assert.Equal(3, parsed.Slots);
        Assert.Equal(3, parsed.ResolveSlots(new GridWorkerOptions { Slots = 9 }));
    }

    [Fact]
    public void OptionsGiveTheSlotsWhenTheCommandLineDoesNot()
    {
        Assert.True(WorkerArguments.TryParse(["--grid-worker"], out var parsed, out _));
        if (Environment.GetEnvironmentVariable(WorkerArguments.SlotsVariable) is null)
        {
            Assert.Equal(9, parsed.ResolveSlots(new GridWorkerOptions { Slots = 9 }));
            Assert.Equal(Environment.ProcessorCount, parsed.ResolveSlots(new GridWorkerOptions()));
        }
    }

    [Fact]
    public void InputWithATimeoutSelectsInlineMode()
    {
        Assert.True(WorkerArguments.TryParse(["--input", "{\"a\":1}", "--timeout", "2.5"], out var parsed, out _));
        Assert.Equal(WorkerMode.Inline, parsed.Mode);
        Assert.Equal("{\"a\":1}", parsed.Input);
        Assert.Equal(TimeSpan.FromSeconds(2.5), parsed.Timeout);
    }

    [Fact]
    public void NoArgumentsMeansUsage()
    {
        Assert.True(WorkerArguments.TryParse([], out var parsed, out _));
        Assert.Equal(WorkerMode.Usage, parsed.Mode);
    }

    [Theory]
    [InlineData("--verbose")]
    [InlineData("--grid-worker", "--grid-slots", "0")]
    [InlineData("--grid-worker", "--grid-slots", "65536")]
    [InlineData("--grid-worker", "--grid-slots")]
    [InlineData("--grid-slots", "2")]
    [InlineData("--input", "{}", "--timeout", "-1")]
    [InlineData("--timeout", "5")]
    [InlineData("--grid-worker", "--input", "{}")]
    public void AnythingElseIsAUsageErrorThatSaysWhy(params string[] args)
    {
        Assert.False(WorkerArguments.TryParse(args, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
