namespace Grid.Registry.Images;

/// <summary>An OCI content descriptor: what a manifest says about a blob or a manifest it names.</summary>
internal sealed record Descriptor(string MediaType, string Digest, long Size);
