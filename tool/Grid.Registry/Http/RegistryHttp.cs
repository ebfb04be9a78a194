using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Grid.Registry.Http;

/// <summary>
/// HTTP to one repository of one registry: authentication and retries, nothing about images.
/// Each request is built anew by a factory for every try, so a retry or a re-send after a 401 never reuses a spent
/// body. Authentication: a 401 names its scheme in <c>WWW-Authenticate</c>; Basic sends the login with every request
/// from then on (htpasswd, ECR), Bearer trades the login at the challenge's realm for a token scoped to this
/// repository (Docker Hub, Harbor, GHCR) and sends that. A second 401 for the same request is GRID7102.
/// </summary>
internal sealed class RegistryHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly RegistryClientOptions _options;
    private readonly RegistryCredentials? _credentials;
    private readonly string _scope;
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private volatile string? _authorization;
    private int _authGeneration;

    public RegistryHttp(HttpClient client, RegistryEndpoint endpoint, string repository, string actions, RegistryCredentials? credentials, RegistryClientOptions options)
    {
        _client = client;
        _options = options;
        _credentials = credentials;
        Endpoint = endpoint;
        Repository = repository;
        _scope = $"repository:{repository}:{actions}";
    }

    public RegistryEndpoint Endpoint { get; }

    public void Dispose() => _authLock.Dispose();

    public string Repository { get; }

    /// <summary>
    /// Sends a request, retrying (when <paramref name="retry"/>) on 5xx, 429 and lost connections, and answering
    /// authentication challenges. Returns any other answer, success or not, for the caller to judge.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string what, bool retry, CancellationToken ct)
    {
        bool reauthenticated = false;
        for (int attempt = 1; ; attempt++)
        {
            int generation = _authGeneration;
            using var request = create();
            if (_authorization is { } authorization)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            HttpResponseMessage response;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                    // Upload Locations resolve against the URI that answered; a handler may leave this unset.
                    response.RequestMessage ??= request;
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or OperationCanceledException or IOException or SocketException)
                {
                    if (retry && attempt < _options.MaxAttempts)
                    {
                        await DelayAsync(attempt, null, ct);
                        continue;
                    }

                    throw Unreachable(what, e);
                }
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && !reauthenticated)
            {
                reauthenticated = true;
                await AuthenticateAsync(response, generation, ct);
                response.Dispose();
                attempt--;
                continue;
            }

            if (retry && IsTransient(response.StatusCode) && attempt < _options.MaxAttempts)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta;
                response.Dispose();
                await DelayAsync(attempt, retryAfter, ct);
                continue;
            }

            return response;
        }
    }

    /// <summary>
    /// Turns an answer the caller did not expect into the matching GRID error, with the registry's own error codes
    /// and messages (<c>{"errors":[{"code":"NAME_UNKNOWN","message":…}]}</c>).
    /// </summary>
    public async Task<RegistryException> ErrorAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        string body = "";
        try
        {
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
        }

        var (codes, detail) = ParseErrors(body);
        int status = (int)response.StatusCode;
        string answered = $"{what} on {Endpoint.Name}: HTTP {status}{(detail.Length > 0 ? " " + detail : "")}";
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return new RegistryException(RegistryErrorCodes.AuthenticationRefused,
                $"The registry refused the login{(_credentials is null ? " (none was given)" : $" of user '{_credentials.UserName}'")}: {answered}. Check the credentials (for ECR, a fresh GetAuthorizationToken: tokens last 12 hours).",
                response.StatusCode);
        }

        if (codes.Contains("NAME_INVALID") || codes.Contains("NAME_UNKNOWN") || codes.Contains("TAG_INVALID"))
        {
            return new RegistryException(RegistryErrorCodes.NameRefused,
                $"The registry refused the repository '{Repository}': {answered}. Create the repository (ECR: CreateRepository) or fix its name.",
                response.StatusCode);
        }

        if (response.StatusCode == HttpStatusCode.Forbidden || codes.Contains("DENIED") || codes.Contains("UNAUTHORIZED"))
        {
            return new RegistryException(RegistryErrorCodes.AuthenticationRefused,
                $"The registry denied access to '{Repository}': {answered}. The login needs pull and push rights on that repository (ECR: ecr:BatchCheckLayerAvailability, ecr:PutImage, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload).",
                response.StatusCode);
        }

        if (codes.Contains("DIGEST_INVALID"))
        {
            return new RegistryException(RegistryErrorCodes.DigestMismatch,
                $"The registry found that bytes do not match their digest: {answered}. Publish the image again.",
                response.StatusCode);
        }

        string retried = IsTransient(response.StatusCode) ? $" after {_options.MaxAttempts} tries" : "";
        return new RegistryException(RegistryErrorCodes.RegistryFailed,
            $"The registry failed {answered}{retried}. Try again later; if it persists, check the registry's status.",
            response.StatusCode);
    }

    public static bool IsTransient(HttpStatusCode status) => (int)status >= 500 || status == HttpStatusCode.TooManyRequests;

    private RegistryException Unreachable(string what, Exception e)
    {
        string reason = e is OperationCanceledException ? $"no answer in {_options.RequestTimeout.TotalSeconds:0} s" : Innermost(e).Message;
        return new RegistryException(RegistryErrorCodes.Unreachable,
            $"Cannot reach the registry {Endpoint.BaseUri.GetLeftPart(UriPartial.Authority)} ({what}): {reason}, after {_options.MaxAttempts} tries. Check the address, that the registry runs, and the network (proxy, firewall).",
            null, e);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private async Task DelayAsync(int attempt, TimeSpan? retryAfter, CancellationToken ct)
    {
        double backoff = _options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        // Full jitter between half and all of the backoff, so concurrent uploads do not retry in step.
        double jittered = backoff * (0.5 + (Random.Shared.NextDouble() / 2));
        var delay = TimeSpan.FromMilliseconds(Math.Min(jittered, _options.MaxRetryDelay.TotalMilliseconds));
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < _options.MaxRetryDelay ? asked : _options.MaxRetryDelay;
        }

        await Task.Delay(delay, _options.TimeProvider, ct);
    }

    // One authentication at a time; a request that saw its 401 after another one already refreshed the login
    // (a newer generation) just retries with it.
    private async Task AuthenticateAsync(HttpResponseMessage challengeResponse, int generation, CancellationToken ct)
    {
        await _authLock.WaitAsync(ct);
        try
        {
            if (generation != _authGeneration)
            {
                return;
            }

            var challenges = challengeResponse.Headers.TryGetValues("WWW-Authenticate", out var values)
                ? values.SelectMany(WwwAuthenticate.Parse).ToList()
                : [];
            var bearer = challenges.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
            var basic = challenges.FirstOrDefault(c => c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase));
            if (bearer is not null)
            {
                _authorization = "Bearer " + await FetchTokenAsync(bearer, ct);
            }
            else if (basic is not null)
            {
                _authorization = "Basic " + BasicValue(RequireCredentials("Basic"));
            }
            else
            {
                throw new RegistryException(RegistryErrorCodes.AuthenticationRefused,
                    $"The registry {Endpoint.Name} asked for authentication with no Basic or Bearer challenge (WWW-Authenticate: '{string.Join("; ", challenges.Select(c => c.Scheme))}'); this pusher speaks only those.",
                    HttpStatusCode.Unauthorized);
            }

            Interlocked.Increment(ref _authGeneration);
        }
        finally
        {
            _authLock.Release();
        }
    }

    private RegistryCredentials RequireCredentials(string scheme) =>
        _credentials ?? throw new RegistryException(RegistryErrorCodes.AuthenticationRefused,
            $"The registry {Endpoint.Name} asks for a login ({scheme}) and none was given. Pass the credentials (for ECR, user AWS and the password of GetAuthorizationToken).",
            HttpStatusCode.Unauthorized);

    private static string BasicValue(RegistryCredentials credentials) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}"));

    // The token flow of the distribution spec: GET realm?service=…&scope=… with the login as Basic auth (or none,
    // for an anonymous token), answered by {"token": …} or {"access_token": …}.
    private async Task<string> FetchTokenAsync(AuthChallenge challenge, CancellationToken ct)
    {
        if (challenge["realm"] is not { } realmText || !Uri.TryCreate(realmText, UriKind.Absolute, out var realm)
            || realm.Scheme is not ("https" or "http"))
        {
            throw new RegistryException(RegistryErrorCodes.AuthenticationRefused,
                $"The registry {Endpoint.Name} asked for a Bearer token without a usable realm ('{challenge["realm"]}').", HttpStatusCode.Unauthorized);
        }

        if (realm.Scheme == "http" && !RegistryEndpoint.IsLoopback(realm.Host))
        {
            throw new RegistryException(RegistryErrorCodes.BadEndpoint,
                $"The registry {Endpoint.Name} sends logins to a token service over plain HTTP ({realm}); refusing to send the password in the clear.");
        }

        var uri = realm;
        if (challenge["service"] is { } service)
        {
            uri = UploadLocation.WithQuery(uri, "service", service);
        }

        uri = UploadLocation.WithQuery(uri, "scope", challenge["scope"] ?? _scope);
        for (int attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (_credentials is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(_credentials));
            }

            HttpResponseMessage response;
            try
            {
                response = await _client.SendAsync(request, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or OperationCanceledException or IOException)
            {
                if (attempt < _options.MaxAttempts)
                {
                    await DelayAsync(attempt, null, ct);
                    continue;
                }

                throw Unreachable("token request to " + realm.GetLeftPart(UriPartial.Path), e);
            }

            using (response)
            {
                if (IsTransient(response.StatusCode) && attempt < _options.MaxAttempts)
                {
                    await DelayAsync(attempt, null, ct);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new RegistryException(RegistryErrorCodes.AuthenticationRefused,
                        $"The token service {realm.GetLeftPart(UriPartial.Path)} of {Endpoint.Name} refused the login{(_credentials is null ? " (none was given)" : $" of user '{_credentials.UserName}'")}: HTTP {(int)response.StatusCode}. Check the credentials.",
                        response.StatusCode);
                }

                using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
                foreach (string name in new[] { "token", "access_token" })
                {
                    if (json.RootElement.TryGetProperty(name, out var token) && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } value)
                    {
                        return value;
                    }
                }

                throw new RegistryException(RegistryErrorCodes.AuthenticationRefused,
                    $"The token service {realm.GetLeftPart(UriPartial.Path)} of {Endpoint.Name} answered without a token.", response.StatusCode);
            }
        }
    }

    private static (HashSet<string> Codes, string Detail) ParseErrors(string body)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        if (body.Length == 0)
        {
            return (codes, "");
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                var parts = new List<string>();
                foreach (var error in errors.EnumerateArray())
                {
                    string code = error.TryGetProperty("code", out var c) ? c.ToString() : "";
                    string message = error.TryGetProperty("message", out var m) ? m.ToString() : "";
                    codes.Add(code);
                    parts.Add($"{code}: {message}");
                }

                return (codes, string.Join("; ", parts));
            }
        }
        catch (JsonException)
        {
        }

        string text = body.Trim().ReplaceLineEndings(" ");
        return (codes, text.Length > 200 ? text[..200] + "…" : text);
    }
}
