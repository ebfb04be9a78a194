using Grid.Tool.Reports;

namespace Grid.Tool.Tests;

public sealed class FailureSignatureTests
{
    [Theory]
    [InlineData("bad input 3", "bad input <n>")]
    [InlineData("took 12.5 s, limit 10", "took <n> s, limit <n>")]
    [InlineData("object 3f2504e0-4f89-11d3-9a0c-0305e82c3301 is gone", "object <guid> is gone")]
    [InlineData("bad header 0x1c000 in block deadbeef42", "bad header <hex> in block <hex>")]
    [InlineData("cannot open /data/in/7.json: denied", "cannot open <path>: denied")]
    [InlineData(@"cannot open C:\data\in\7.json", "cannot open <path>")]
    [InlineData("read tiles/2026/a.tif twice", "read <path> twice")]
    [InlineData("GET https://store.example/tiles/9 failed", "GET <url> failed")]
    [InlineData("GRID6012: too slow", "GRID6012: too slow")]
    [InlineData("  two   spaces\nand a line  ", "two spaces and a line")]
    public void VaryingPartsBecomePlaceholders(string message, string signature) =>
        Assert.Equal(signature, FailureSignature.Normalize(message));

    [Fact]
    public void TheTasksOwnQuotedIdIsAPlaceholder() =>
        Assert.Equal("task '<task>' ran past its timeout of <n> s", FailureSignature.Normalize("task 'tile-a' ran past its timeout of 5 s", "tile-a"));

    [Fact]
    public void MessagesDifferingOnlyByNumbersShareASignature() =>
        Assert.Equal(FailureSignature.Normalize("bad input 3 at row 17"), FailureSignature.Normalize("bad input 1024 at row 2"));
}
