using System.Globalization;
using System.Reflection;
using System.Text;
using Grid.Protocol.Messages;

namespace Grid.Protocol.Tests;

/// <summary>docs/protocol.md is the spec: its example bytes, kinds, codes and limits must be what the code does.</summary>
public sealed class SpecificationTests
{
    private const string HelloHex =
        "21 00 00 00 01 01 00 01 00 04 00 92 10 00 00 06 00 68 6f 73 74 2d 61 0b 00 64 6f 74 6e 65 74 2f 31 30 2e 30 00 00";

    private const string WelcomeHex =
        "15 00 00 00 02 01 00 e8 03 00 00 98 3a 00 00 05 00 72 75 6e 2d 31 02 00 77 31";

    private const string TaskHex =
        "1f 00 00 00 10 01 00 00 00 00 00 00 00 01 00 00 00 30 75 00 00 06 00 74 69 6c 65 2d 37 7b 22 78 22 3a 37 7d";

    private const string StartedHex =
        "0c 00 00 00 12 01 00 00 00 00 00 00 00 01 00 00 00";

    private const string ResultHex =
        "21 00 00 00 13 01 00 00 00 00 00 00 00 01 00 00 00 00 dc 05 00 00 00 00 00 00 7b 22 6d 65 61 6e 22 3a 33 2e 35 7d";

    private static readonly Lazy<string> Spec = new(ReadSpec);

    [Fact]
    public void TheWorkedExampleBytesAreWhatTheEncoderWrites()
    {
        var examples = new (IMessage Message, string Hex)[]
        {
            (new Hello(1, 1, 4, 4242, "host-a", "dotnet/10.0", ""), HelloHex),
            (new Welcome(1, 1000, 15000, "run-1", "w1"), WelcomeHex),
            (new TaskMessage(1, 1, 30000, "tile-7", Encoding.UTF8.GetBytes("""{"x":7}""")), TaskHex),
            (new Started(1, 1), StartedHex),
            (new Result(1, 1, Outcome.Succeeded, 1500, Encoding.UTF8.GetBytes("""{"mean":3.5}""")), ResultHex),
        };

        foreach (var (message, hex) in examples)
        {
            Assert.Equal(hex, ToHex(FrameWriter.ToArray(message)));
            MessageAssert.Same(message, Frames.DecodeOne(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal))));
            Assert.Contains(hex, Spec.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheHeaderOnlyFramesInTheSpecAreWhatTheEncoderWrites()
    {
        Assert.Contains($"`{ToHex(FrameWriter.ToArray(Heartbeat.Instance))}`", Spec.Value, StringComparison.Ordinal);
        Assert.Contains($"`{ToHex(FrameWriter.ToArray(Shutdown.Instance))}`", Spec.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryKindIsInTheSpecWithItsByte()
    {
        foreach (var kind in Enum.GetValues<FrameKind>())
        {
            Assert.Contains($"| `0x{(byte)kind:X2}` | {kind} |", Spec.Value, StringComparison.Ordinal);
            Assert.Contains($"### {kind} — `0x{(byte)kind:X2}`", Spec.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryErrorCodeIsInTheSpec()
    {
        foreach (var code in ProtocolErrorTests.ErrorCodes())
        {
            Assert.Contains($"| `{code}` |", Spec.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryLimitIsInTheSpecWithItsValue()
    {
        foreach (var field in typeof(Protocol).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            string value = field.GetValue(null) switch
            {
                TimeSpan span => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds} s"),
                var other => Convert.ToString(other, CultureInfo.InvariantCulture)!,
            };
            Assert.Contains($"| `{field.Name}` | {value} |", Spec.Value, StringComparison.Ordinal);
        }
    }

    private static string ToHex(byte[] bytes) => string.Join(' ', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    private static string ReadSpec()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "global.json")))
            {
                string spec = Path.Combine(directory.FullName, "docs", "protocol.md");
                Assert.True(File.Exists(spec), $"the protocol spec is missing: expected {spec}.");
                return File.ReadAllText(spec);
            }
        }

        Assert.Fail($"no repository root (a folder with global.json) above {AppContext.BaseDirectory}.");
        return "";
    }
}
