using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Grid.Registry.Images;

/// <summary>Content digests (<c>sha256:</c> and 64 lower-case hex digits) and the checks on them.</summary>
internal static partial class Digests
{
    public static string Of(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static async Task<(string Digest, long Length)> OfAsync(Stream stream, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[81920];
        long length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }

        return ("sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()), length);
    }

    public static bool IsValid(string digest) => Sha256().IsMatch(digest);

    /// <summary>Fails with GRID7104 when <paramref name="bytes"/> do not hash to <paramref name="digest"/>.</summary>
    public static void Verify(ReadOnlySpan<byte> bytes, string digest, string what)
    {
        string actual = Of(bytes);
        if (actual != digest)
        {
            throw new RegistryException(RegistryErrorCodes.DigestMismatch, $"{what} should have digest {digest} but its bytes hash to {actual}. The source is damaged: publish the image again.");
        }
    }

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Sha256();
}
