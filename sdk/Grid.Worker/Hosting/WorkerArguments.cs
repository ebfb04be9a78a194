using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Grid.Hosting;

/// <summary>Which way the program was started.</summary>
internal enum WorkerMode
{
    Usage,
    Worker,
    Inline,
}

/// <summary>
/// The worker's own command line. It is deliberately strict: the head starts workers with exactly these
/// arguments, and a typo in a debugging command should say so rather than start something else.
/// </summary>
internal sealed class WorkerArguments
{
    public const string WorkerSwitch = "--grid-worker";
    public const string SlotsOption = "--grid-slots";
    public const string InputOption = "--input";
    public const string TimeoutOption = "--timeout";
    public const string ConnectOption = "--grid-connect";
    public const string PinOption = "--grid-pin";

    /// <summary>The environment variable read for the slot count when <c>--grid-slots</c> is absent.</summary>
    public const string SlotsVariable = "GRID_SLOTS";

    public WorkerMode Mode { get; private set; }

    public int? Slots { get; private set; }

    /// <summary>The <c>--input</c> value as given: JSON text, or <c>@path</c>.</summary>
    public string? Input { get; private set; }

    public TimeSpan? Timeout { get; private set; }

    /// <summary><c>--grid-connect</c>: the head to dial over TLS instead of serving stdin/stdout.</summary>
    public HeadAddress? Connect { get; private set; }

    /// <summary><c>--grid-pin</c>: the lowercase hex SHA-256 of the head certificate's DER bytes.</summary>
    public string? Pin { get; private set; }

    public static bool TryParse(string[] args, [NotNullWhen(true)] out WorkerArguments? parsed, out string? error)
    {
        parsed = null;
        error = null;
        var result = new WorkerArguments();
        for (int i = 0; i < args.Length; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            switch (name)
            {
                case WorkerSwitch when inlineValue is null:
                    result.Mode = WorkerMode.Worker;
                    break;
                case SlotsOption:
                    if (!TryValue(args, ref i, inlineValue, out var slotsText, ref error)) return false;
                    if (!int.TryParse(slotsText, NumberStyles.None, CultureInfo.InvariantCulture, out var slots) || slots is < 1 or > ushort.MaxValue)
                    {
                        error = $"{SlotsOption} is '{slotsText}'; it must be a whole number from 1 to {ushort.MaxValue}.";
                        return false;
                    }

                    result.Slots = slots;
                    break;
                case InputOption:
                    if (!TryValue(args, ref i, inlineValue, out var input, ref error)) return false;
                    result.Input = input;
                    break;
                case TimeoutOption:
                    if (!TryValue(args, ref i, inlineValue, out var timeoutText, ref error)) return false;
                    if (!double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || seconds > int.MaxValue / 1000)
                    {
                        error = $"{TimeoutOption} is '{timeoutText}'; it must be a positive number of seconds.";
                        return false;
                    }

                    result.Timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case ConnectOption:
                    if (!TryValue(args, ref i, inlineValue, out var connectText, ref error)) return false;
                    if (!HeadAddress.TryParse(connectText, out var address))
                    {
                        error = $"{ConnectOption} is '{connectText}'; it must be HOST:PORT, such as 10.0.0.5:7070 or [fd00::5]:7070, with a port from 1 to 65535.";
                        return false;
                    }

                    result.Connect = address;
                    break;
                case PinOption:
                    if (!TryValue(args, ref i, inlineValue, out var pin, ref error)) return false;
                    if (pin.Length != 64 || !pin.All(char.IsAsciiHexDigit))
                    {
                        error = $"{PinOption} is '{pin}'; it must be the SHA-256 of the head's certificate as 64 hex digits.";
                        return false;
                    }

                    result.Pin = pin.ToLowerInvariant();
                    break;
                default:
                    error = $"'{args[i]}' is not an option of a Grid worker.";
                    return false;
            }
        }

        if (result.Mode == WorkerMode.Worker && (result.Input is not null || result.Timeout is not null))
        {
            error = $"{WorkerSwitch} takes its tasks from the head; {InputOption} and {TimeoutOption} are for running one task by hand.";
            return false;
        }

        if (result.Input is not null)
        {
            result.Mode = WorkerMode.Inline;
        }
        else if (result.Timeout is not null)
        {
            error = $"{TimeoutOption} needs {InputOption}.";
            return false;
        }

        if (result.Slots is not null && result.Mode != WorkerMode.Worker)
        {
            error = $"{SlotsOption} needs {WorkerSwitch}.";
            return false;
        }

        if ((result.Connect is not null || result.Pin is not null) && result.Mode != WorkerMode.Worker)
        {
            error = $"{(result.Connect is not null ? ConnectOption : PinOption)} needs {WorkerSwitch}.";
            return false;
        }

        if ((result.Connect is null) != (result.Pin is null))
        {
            // A worker that dials without a pin would trust any head; a pin without an address is a mistake.
            error = result.Connect is null
                ? $"{PinOption} needs {ConnectOption} HOST:PORT."
                : $"{ConnectOption} needs {PinOption}: the SHA-256 of the head's certificate, as 64 hex digits.";
            return false;
        }

        parsed = result;
        return true;
    }

    /// <summary>Slots, first found: <c>--grid-slots</c>, <c>GRID_SLOTS</c>, the options, the processor count.</summary>
    public int ResolveSlots(GridWorkerOptions options)
    {
        if (Slots is int fromArgs)
        {
            return fromArgs;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(SlotsVariable);
        if (!string.IsNullOrEmpty(fromEnvironment)
            && int.TryParse(fromEnvironment, NumberStyles.None, CultureInfo.InvariantCulture, out var slots)
            && slots is >= 1 and <= ushort.MaxValue)
        {
            return slots;
        }

        if (options.Slots is int fromOptions)
        {
            return Math.Clamp(fromOptions, 1, ushort.MaxValue);
        }

        return Environment.ProcessorCount;
    }

    private static (string Name, string? Value) Split(string arg)
    {
        if (arg.StartsWith("--", StringComparison.Ordinal))
        {
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                return (arg[..equals], arg[(equals + 1)..]);
            }
        }

        return (arg, null);
    }

    private static bool TryValue(string[] args, ref int i, string? inlineValue, [NotNullWhen(true)] out string? value, ref string? error)
    {
        if (inlineValue is not null)
        {
            value = inlineValue;
            return true;
        }

        if (i + 1 < args.Length)
        {
            value = args[++i];
            return true;
        }

        value = null;
        error = $"{args[i]} needs a value.";
        return false;
    }
}
