namespace Grid.Registry;

/// <summary>What a push is doing to one blob or manifest.</summary>
public enum PushStage
{
    /// <summary>The registry already held the blob: nothing sent.</summary>
    Skipped,

    /// <summary>A chunk of the blob was accepted; <see cref="PushProgress.BytesDone"/> counts what is sent so far.</summary>
    Uploading,

    /// <summary>The blob is complete in the registry.</summary>
    Uploaded,

    /// <summary>A manifest was put (by digest for an index's images, then by tag).</summary>
    ManifestPushed,
}

/// <summary>One progress report. Reports of different blobs interleave: layers are uploaded concurrently.</summary>
public sealed record PushProgress(PushStage Stage, string Digest, long BytesDone, long BytesTotal);
