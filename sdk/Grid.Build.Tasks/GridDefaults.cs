namespace Grid.Build.Tasks;

/// <summary>
/// The defaults an empty Grid* property takes. build/Grid.Sdk.props sets the same values (a test keeps the two equal);
/// the tasks apply them too so that an explicitly emptied property still means the default.
/// </summary>
internal static class GridDefaults
{
    public const int Workers = 1;
    public const decimal Cpu = 1;
    public const int MemoryMiB = 2048;
    public const int Gpu = 0;
    public const bool Spot = true;
    public const bool OnDemandFallback = true;
    public const int MaxAttempts = 3;
    public const string BaseImage = "mcr.microsoft.com/dotnet/runtime:10.0";
    public const string ImageTag = "latest";
    public const string Architecture = GridArchitectures.Amd64;
}

/// <summary>The two image architectures Grid builds for, named as OCI names them.</summary>
internal static class GridArchitectures
{
    public const string Amd64 = "amd64";
    public const string Arm64 = "arm64";
}
