namespace Grid.Protocol.Tests;

/// <summary>
/// How much fuzzing to do. CI runs every generator at scale 1 with fixed seeds (a failure replays);
/// eng/fuzz.sh sets GRID_FUZZ_SCALE for longer runs and GRID_FUZZ_SEED for new inputs, and prints both.
/// </summary>
internal static class Fuzz
{
    public static int Scale { get; } = int.TryParse(Environment.GetEnvironmentVariable("GRID_FUZZ_SCALE"), out int scale) && scale > 0 ? scale : 1;

    public static int SeedOffset { get; } = int.TryParse(Environment.GetEnvironmentVariable("GRID_FUZZ_SEED"), out int seed) ? seed : 0;

    public static int Scaled(int cases) => checked(cases * Scale);

    public static int Seed(int seed) => unchecked(seed + SeedOffset);
}
