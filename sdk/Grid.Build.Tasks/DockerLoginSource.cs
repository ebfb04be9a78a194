using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Grid.Registry;

namespace Grid.Build.Tasks;

/// <summary>
/// Finds a push login where the .NET SDK's container support finds one, in its order:
/// <list type="number">
/// <item>the SDK's variables: <c>DOTNET_CONTAINER_PUSH_REGISTRY_UNAME</c>/<c>_PWORD</c>, then
/// <c>DOTNET_CONTAINER_REGISTRY_UNAME</c>/<c>_PWORD</c>, then the older <c>SDK_CONTAINER_REGISTRY_UNAME</c>/<c>_PWORD</c>;</item>
/// <item>the Docker config file: <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>, else podman's
/// (<c>$REGISTRY_AUTH_FILE</c>, <c>$XDG_RUNTIME_DIR/containers/auth.json</c>, <c>~/.config/containers/auth.json</c>);
/// in it, the registry's <c>credHelpers</c> entry, else its <c>auths</c> entry (<c>auth</c>: base64 of
/// <c>user:password</c>, or <c>username</c> and <c>password</c>), else the <c>credsStore</c>.</item>
/// </list>
/// A credential helper is <c>docker-credential-NAME</c> on PATH, run as <c>get</c> with the registry on stdin; it answers
/// <c>{"ServerURL","Username","Secret"}</c> on stdout (https://github.com/docker/docker-credential-helpers).
/// Nothing configured for the registry is no login, not an error.
/// </summary>
internal sealed class DockerLoginSource(Func<string, string?> environment) : IRegistryLoginSource
{
    /// <summary>ecr-login calls AWS; a helper that waits longer is stuck (a keychain prompt nobody sees).</summary>
    private static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What helpers answer for a registry they hold nothing for (docker-credential-helpers' ErrCredentialsNotFound).</summary>
    private const string HelperNotFound = "credentials not found in native keychain";

    /// <summary>The user name a helper or an auths entry gives with an identity (OAuth refresh) token instead of a password.</summary>
    private const string IdentityTokenUser = "<token>";

    /// <summary>The key Docker files Docker Hub's logins under.</summary>
    private const string DockerHubKey = "https://index.docker.io/v1/";

    /// <summary>The variables the SDK reads for a push, most specific first.</summary>
    private static readonly (string User, string Password)[] Variables =
    [
        ("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", "DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"),
        ("DOTNET_CONTAINER_REGISTRY_UNAME", "DOTNET_CONTAINER_REGISTRY_PWORD"),
        ("SDK_CONTAINER_REGISTRY_UNAME", "SDK_CONTAINER_REGISTRY_PWORD"),
    ];

    /// <summary>The build's own environment.</summary>
    public static DockerLoginSource FromProcess() => new(Environment.GetEnvironmentVariable);

    public RegistryLogin? Find(string registry)
    {
        foreach (var (user, password) in Variables)
        {
            if (environment(user) is { Length: > 0 } name && environment(password) is { Length: > 0 } secret)
            {
                return new RegistryLogin(new RegistryCredentials(name, secret), user);
            }
        }

        return ConfigFile() is { } file ? FromConfig(file, Host(registry)) : null;
    }

    /// <summary>The Docker (or podman) config file in force, or null when there is none.</summary>
    internal string? ConfigFile()
    {
        if (environment("DOCKER_CONFIG") is { Length: > 0 } dockerConfig)
        {
            return Existing(Path.Combine(dockerConfig, "config.json"));
        }

        string home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (Existing(Path.Combine(home, ".docker", "config.json")) is { } docker)
        {
            return docker;
        }

        if (environment("REGISTRY_AUTH_FILE") is { Length: > 0 } authFile)
        {
            return Existing(authFile);
        }

        string? runtime = environment("XDG_RUNTIME_DIR") is { Length: > 0 } r ? Existing(Path.Combine(r, "containers", "auth.json")) : null;
        return runtime ?? Existing(Path.Combine(home, ".config", "containers", "auth.json"));

        static string? Existing(string path) => File.Exists(path) ? path : null;
    }

    private RegistryLogin? FromConfig(string file, string host)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            root = document.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new RegistryLoginException(file, $"it cannot be read as JSON ({e.Message})");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new RegistryLoginException(file, "it is not a JSON object");
        }

        if (Entry(root, "credHelpers", host) is { ValueKind: JsonValueKind.String } helper && helper.GetString() is { Length: > 0 } helperName)
        {
            return FromHelper(file, "credHelpers", helperName, host);
        }

        if (Entry(root, "auths", host) is { ValueKind: JsonValueKind.Object } auth && FromAuth(file, auth) is { } login)
        {
            return login;
        }

        if (root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String && store.GetString() is { Length: > 0 } storeName)
        {
            return FromHelper(file, "credsStore", storeName, host);
        }

        return null;
    }

    // An auths entry: "auth" (base64 of user:password), or "username" and "password". An entry with neither is a
    // placeholder that `docker login` leaves when a credsStore holds the secret.
    private static RegistryLogin? FromAuth(string file, JsonElement auth)
    {
        string source = $"{file} (auths)";
        if (String(auth, "auth") is { Length: > 0 } encoded)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                throw new RegistryLoginException(source, "its \"auth\" value is not base64 of 'user:password'");
            }

            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new RegistryLoginException(source, "its \"auth\" value decodes to no 'user:password' pair");
            }

            return new RegistryLogin(new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..]), source);
        }

        if (String(auth, "username") is { Length: > 0 } user && String(auth, "password") is { } password)
        {
            return new RegistryLogin(new RegistryCredentials(user, password), source);
        }

        if (String(auth, "identitytoken") is { Length: > 0 })
        {
            throw IdentityToken(source);
        }

        return null;
    }

    private RegistryLogin? FromHelper(string file, string kind, string name, string host)
    {
        string program = "docker-credential-" + name;
        string source = $"{file} ({kind}: {name})";
        string path = FindOnPath(program)
            ?? throw new RegistryLoginException(source, $"'{program}' is not on PATH");

        var start = new ProcessStartInfo(path)
        {
            ArgumentList = { "get" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string output;
        string error;
        int exitCode;
        try
        {
            using var process = Process.Start(start) ?? throw new RegistryLoginException(source, $"'{path}' did not start");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(host);
            process.StandardInput.Close();
            if (!process.WaitForExit(HelperTimeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new RegistryLoginException(source, $"'{program} get' did not answer in {HelperTimeout.TotalSeconds:0} s");
            }

            output = stdout.GetAwaiter().GetResult().Trim();
            error = stderr.GetAwaiter().GetResult().Trim();
            exitCode = process.ExitCode;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            throw new RegistryLoginException(source, $"'{path}' could not be run ({e.Message})");
        }

        if (exitCode != 0)
        {
            if (output.Contains(HelperNotFound, StringComparison.Ordinal))
            {
                return null;
            }

            throw new RegistryLoginException(source, $"'{program} get' exited {exitCode}: {(output + " " + error).Trim()}");
        }

        string? user;
        string? secret;
        try
        {
            using var answer = JsonDocument.Parse(output);
            user = String(answer.RootElement, "Username");
            secret = String(answer.RootElement, "Secret");
        }
        catch (JsonException e)
        {
            throw new RegistryLoginException(source, $"'{program} get' answered no JSON ({e.Message})");
        }

        if (user == IdentityTokenUser)
        {
            throw IdentityToken(source);
        }

        if (string.IsNullOrEmpty(user) || secret is null)
        {
            throw new RegistryLoginException(source, $"'{program} get' answered no Username and Secret");
        }

        return new RegistryLogin(new RegistryCredentials(user, secret), source);
    }

    private string? FindOnPath(string program)
    {
        foreach (string directory in (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // The registry's entry in a map keyed by registry. Docker writes keys as hosts or as URLs
    // (https://host/v1/), so both sides are compared as hosts; Docker Hub's key is its old index URL.
    private static JsonElement? Entry(JsonElement root, string map, string host)
    {
        if (!root.TryGetProperty(map, out var entries) || entries.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var entry in entries.EnumerateObject())
        {
            if (string.Equals(Host(entry.Name), host, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value;
            }
        }

        return null;
    }

    /// <summary>A registry or a config key as a host: no scheme, no path; Docker Hub's names as its index host.</summary>
    internal static string Host(string registryOrKey)
    {
        string host = registryOrKey.Trim();
        int scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        int slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        return host is "docker.io" or "registry-1.docker.io" ? Host(DockerHubKey) : host;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static RegistryLoginException IdentityToken(string source) =>
        new(source, "it holds an identity token (an OAuth refresh token), which Grid's pusher does not exchange for a password (log in with a user name and a password or access token)");
}
