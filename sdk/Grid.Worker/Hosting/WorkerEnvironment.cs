using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Grid.Hosting;

/// <summary>What a worker that dials its head needs besides its command line, read from the environment.</summary>
/// <param name="Head">The head's address (<c>--grid-connect</c>).</param>
/// <param name="Pin">The lowercase hex SHA-256 of the head certificate's DER bytes (<c>--grid-pin</c>).</param>
/// <param name="Token">The run's token (<c>GRID_RUN_TOKEN</c>), sent in Hello.</param>
/// <param name="WorkerName">The name sent in Hello (<c>GRID_WORKER_NAME</c>, else the host name).</param>
/// <param name="HeadSilence">How long the head may stay unreachable before the worker gives up (<c>GRID_HEAD_SILENCE_SECONDS</c>).</param>
internal sealed record DialSettings(HeadAddress Head, string Pin, string Token, string WorkerName, TimeSpan HeadSilence);

/// <summary>Whether and where to watch for a spot interruption notice.</summary>
/// <param name="MetadataEndpoint">The instance metadata service (<c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>).</param>
internal sealed record SpotSettings(Uri MetadataEndpoint);

/// <summary>The environment variables a worker reads, and their checks.</summary>
internal static class WorkerEnvironment
{
    public const string RunTokenVariable = "GRID_RUN_TOKEN";
    public const string WorkerNameVariable = "GRID_WORKER_NAME";
    public const string HeadSilenceVariable = "GRID_HEAD_SILENCE_SECONDS";
    public const string SpotNoticeVariable = "GRID_SPOT_NOTICE";
    public const string MetadataEndpointVariable = "AWS_EC2_METADATA_SERVICE_ENDPOINT";

    /// <summary>
    /// A worker that cannot reach its head for this long exits (<see cref="WorkerExitCodes.HeadUnreachable"/>), so that
    /// the machine's boot script can shut down a machine whose run is over instead of paying for it.
    /// </summary>
    public static readonly TimeSpan DefaultHeadSilence = TimeSpan.FromSeconds(600);

    /// <summary>IMDS's link-local address, the same on every EC2 instance.</summary>
    public static readonly Uri DefaultMetadataEndpoint = new("http://169.254.169.254");

    /// <summary>Reads what <c>--grid-connect</c> needs; the error is a usage error.</summary>
    public static bool TryReadDial(WorkerArguments arguments, Func<string, string?> environment, [NotNullWhen(true)] out DialSettings? settings, out string? error)
    {
        settings = null;
        error = null;
        string? token = environment(RunTokenVariable);
        if (string.IsNullOrEmpty(token))
        {
            error = $"{RunTokenVariable} is not set; {WorkerArguments.ConnectOption} needs the run's token in it (the head gives it to the machines it starts).";
            return false;
        }

        var silence = DefaultHeadSilence;
        if (environment(HeadSilenceVariable) is { Length: > 0 } silenceText)
        {
            if (!double.TryParse(silenceText, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0) || seconds > TimeSpan.FromDays(7).TotalSeconds)
            {
                error = $"{HeadSilenceVariable} is '{silenceText}'; it must be a number of seconds above 0 and at most 604800 (7 days).";
                return false;
            }

            silence = TimeSpan.FromSeconds(seconds);
        }

        string name = environment(WorkerNameVariable) is { Length: > 0 } given ? given : Environment.MachineName;
        settings = new DialSettings(arguments.Connect!, arguments.Pin!, token, name, silence);
        return true;
    }

    /// <summary>Reads <c>GRID_SPOT_NOTICE</c>: null when the watcher is off.</summary>
    public static bool TryReadSpot(Func<string, string?> environment, out SpotSettings? settings, out string? error)
    {
        settings = null;
        error = null;
        string? switchText = environment(SpotNoticeVariable);
        if (string.IsNullOrEmpty(switchText) || switchText is "0" || switchText.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (switchText is not "1" && !switchText.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            error = $"{SpotNoticeVariable} is '{switchText}'; use 1 to watch for spot interruption notices, or 0.";
            return false;
        }

        var endpoint = DefaultMetadataEndpoint;
        if (environment(MetadataEndpointVariable) is { Length: > 0 } endpointText)
        {
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
            {
                error = $"{MetadataEndpointVariable} is '{endpointText}'; it must be an http:// URL such as http://169.254.169.254.";
                return false;
            }

            endpoint = parsed;
        }

        settings = new SpotSettings(endpoint);
        return true;
    }
}
