using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Grid.Tool.Backends;

/// <summary>
/// A run's secrets for workers that dial the head: a self-signed TLS certificate made in memory for this run alone
/// (ECDSA P-256), its pin (the lowercase hex SHA-256 of its DER bytes, which workers check instead of a CA chain),
/// and a random token that workers present in Hello. A new run gets new ones. A cloud run keeps them in its run
/// folder (owner-only), so that a head resumed after a crash is the head its workers pinned, and they redial it.
/// </summary>
public sealed class RunCredentials : IDisposable
{
    /// <summary>The certificate's subject; workers check the pin, not the name.</summary>
    public const string SubjectName = "grid-head";

    /// <summary>Random bytes in a token: 256 bits, as hex.</summary>
    public const int TokenBytes = 32;

    private RunCredentials(string runId, X509Certificate2 certificate, string token)
    {
        RunId = runId;
        Certificate = certificate;
        Pin = PinOf(certificate);
        Token = token;
    }

    public string RunId { get; }

    /// <summary>The head's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>What workers pass as <c>--grid-pin</c>.</summary>
    public string Pin { get; }

    /// <summary>What workers get as <c>GRID_RUN_TOKEN</c>.</summary>
    public string Token { get; }

    /// <summary>New credentials, valid from a few minutes ago (clock skew) for <paramref name="lifetime"/>.</summary>
    public static RunCredentials Create(string runId, TimeSpan lifetime, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={SubjectName}, OU=run {runId}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + lifetime);
        return new RunCredentials(runId, certificate, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenBytes)));
    }

    /// <summary>The pin of a certificate: the lowercase hex SHA-256 of its DER bytes.</summary>
    public static string PinOf(X509Certificate certificate) => Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));

    /// <summary>Compares a presented token with the run's in constant time, so timing tells nothing about the token.</summary>
    public static bool TokenMatches(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));

    /// <summary>Writes the certificate (with its key) and the token to <paramref name="path"/>, readable by the owner only.</summary>
    public void Save(string path)
    {
        var document = new System.Text.Json.Nodes.JsonObject
        {
            ["runId"] = RunId,
            ["token"] = Token,
            ["pkcs12"] = Convert.ToBase64String(Certificate.Export(X509ContentType.Pkcs12)),
        };
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        file.Write(Encoding.UTF8.GetBytes(document.ToJsonString()));
    }

    /// <summary>The credentials <see cref="Save"/> wrote.</summary>
    public static RunCredentials Load(string path)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        var certificate = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String((string)document["pkcs12"]!), password: null);
        return new RunCredentials((string)document["runId"]!, certificate, (string)document["token"]!);
    }

    public void Dispose() => Certificate.Dispose();
}
