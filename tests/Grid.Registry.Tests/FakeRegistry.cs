using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Web;

namespace Grid.Registry.Tests;

/// <summary>
/// An in-process registry at https://registry.test with the behaviours the loopback registry does not show: Bearer
/// token auth, absolute upload Locations, an OCI-Chunk-Min-Length, transient 503s, a manifest digest it rewrites.
/// </summary>
public sealed class FakeRegistry : HttpMessageHandler
{
    public const string Address = "registry.test";
    private const string Token = "token-for-push";

    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, MemoryStream> _uploads = new();
    private int _failuresLeft;

    public bool Bearer { get; init; }

    public bool AbsoluteLocations { get; init; }

    public int? ChunkMinLength { get; init; }

    /// <summary>How many upload POSTs answer 503 before one succeeds.</summary>
    public int FailingPosts
    {
        get => _failuresLeft;
        init => _failuresLeft = value;
    }

    public string? RewrittenDigest { get; init; }

    public ConcurrentQueue<string> TokenScopes { get; } = new();

    public ConcurrentQueue<(HttpMethod Method, string Path, long Length)> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        Requests.Enqueue((request.Method, uri.AbsolutePath, body.Length));
        var query = HttpUtility.ParseQueryString(uri.Query);
        if (uri.Host == "auth.test")
        {
            bool login = request.Headers.Authorization?.ToString() == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:secret"));
            TokenScopes.Enqueue($"{query["service"]} {query["scope"]}");
            return login ? Json(HttpStatusCode.OK, $"{{\"access_token\":\"{Token}\"}}") : new HttpResponseMessage(HttpStatusCode.Unauthorized);
        }

        if (Bearer && request.Headers.Authorization?.ToString() != "Bearer " + Token)
        {
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Bearer realm=\"https://auth.test/token\",service=\"registry.test\",scope=\"repository:team/app:pull,push\"");
            return challenge;
        }

        string path = uri.AbsolutePath;
        if (path == "/v2/")
        {
            return new HttpResponseMessage(HttpStatusCode.OK);
        }

        if (request.Method == HttpMethod.Head && path.StartsWith("/v2/team/app/blobs/", StringComparison.Ordinal))
        {
            return new HttpResponseMessage(_blobs.ContainsKey(path.Split('/')[^1]) ? HttpStatusCode.OK : HttpStatusCode.NotFound);
        }

        if (request.Method == HttpMethod.Post && path == "/v2/team/app/blobs/uploads/")
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }

            string id = Guid.NewGuid().ToString("N");
            _uploads[id] = new MemoryStream();
            var accepted = Moved(id, 0);
            if (ChunkMinLength is { } min)
            {
                accepted.Headers.TryAddWithoutValidation("OCI-Chunk-Min-Length", min.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return accepted;
        }

        if (path.StartsWith("/uploads/", StringComparison.Ordinal) || path.StartsWith("/v2/team/app/blobs/uploads/", StringComparison.Ordinal))
        {
            string id = path.Split('/')[^1];
            var upload = _uploads[id];
            if (query["step"] != upload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable);
            }

            upload.Write(body);
            if (request.Method == HttpMethod.Patch)
            {
                return Moved(id, upload.Length);
            }

            string digest = query["digest"]!;
            if (TestImage.Digest(upload.ToArray()) != digest)
            {
                return Json(HttpStatusCode.BadRequest, "{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"digest mismatch\"}]}");
            }

            _blobs[digest] = upload.ToArray();
            return new HttpResponseMessage(HttpStatusCode.Created);
        }

        if (request.Method == HttpMethod.Put && path.StartsWith("/v2/team/app/manifests/", StringComparison.Ordinal))
        {
            var created = new HttpResponseMessage(HttpStatusCode.Created);
            created.Headers.TryAddWithoutValidation("Docker-Content-Digest", RewrittenDigest ?? TestImage.Digest(body));
            return created;
        }

        return Json(HttpStatusCode.NotFound, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}");
    }

    // The next step's Location: absolute on another path (as ECR and proxies answer) or relative, with state in the query.
    private HttpResponseMessage Moved(string id, long received)
    {
        var response = new HttpResponseMessage(HttpStatusCode.Accepted);
        string location = AbsoluteLocations ? $"https://{Address}/uploads/{id}?step={received}" : $"/v2/team/app/blobs/uploads/{id}?step={received}";
        response.Headers.TryAddWithoutValidation("Location", location);
        return response;
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
