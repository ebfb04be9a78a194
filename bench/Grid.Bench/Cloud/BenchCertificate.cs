using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grid.Bench.Cloud;

/// <summary>
/// The head's TLS identity for one bench run: a self-signed ECDSA P-256 certificate made in memory. The simulated
/// workers pin it by its SHA-256 thumbprint, which is how a worker that was handed the head's address would trust it.
/// </summary>
internal static class BenchCertificate
{
    public const string HostName = "grid-head";

    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={HostName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(HostName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    public static string Thumbprint(X509Certificate certificate) => Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
}
