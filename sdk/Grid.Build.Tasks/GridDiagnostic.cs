namespace Grid.Build.Tasks;

/// <summary>A GRID error found by a rule: the name of its message in Strings.resx and the message's arguments.</summary>
internal sealed record GridDiagnostic(string MessageName, params object?[] Arguments)
{
    /// <summary>The message as the build log shows it, starting with its code.</summary>
    public string Text => Strings.Format(MessageName, Arguments);

    /// <summary>The code, e.g. GRID1003.</summary>
    public string Code => Text[..Text.IndexOf(':', StringComparison.Ordinal)];
}
