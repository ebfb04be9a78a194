namespace Grid.Registry.Http;

/// <summary>One challenge of a <c>WWW-Authenticate</c> header: a scheme and its parameters (names ignore case).</summary>
internal sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? this[string name] => Parameters.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>
/// Parses <c>WWW-Authenticate</c> values (RFC 9110 §11.6.1): one or more challenges, each a scheme followed by
/// comma-separated <c>name=value</c> parameters, values plain tokens or quoted strings with backslash escapes.
/// A registry answers <c>Basic realm="..."</c> (htpasswd, ECR) or
/// <c>Bearer realm="https://auth/token",service="registry",scope="repository:r:pull,push"</c> (token auth).
/// Malformed input gives the challenges read before the fault, never an exception.
/// </summary>
internal static class WwwAuthenticate
{
    public static IReadOnlyList<AuthChallenge> Parse(string value)
    {
        var challenges = new List<AuthChallenge>();
        int i = 0;
        while (true)
        {
            SkipSeparators(value, ref i, commas: true);
            string scheme = ReadToken(value, ref i);
            if (scheme.Length == 0)
            {
                return challenges;
            }

            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            challenges.Add(new AuthChallenge(scheme, parameters));
            while (true)
            {
                int start = i;
                SkipSeparators(value, ref i, commas: true);
                string name = ReadToken(value, ref i);
                SkipSeparators(value, ref i, commas: false);
                if (name.Length == 0 || i >= value.Length || value[i] != '=')
                {
                    // Not a parameter: the next challenge's scheme (or the end, or a token68 we do not use).
                    i = name.Length == 0 ? i : start;
                    break;
                }

                i++;
                SkipSeparators(value, ref i, commas: false);
                parameters[name] = i < value.Length && value[i] == '"' ? ReadQuoted(value, ref i) : ReadToken(value, ref i);
                SkipSeparators(value, ref i, commas: false);
                if (i < value.Length && value[i] != ',')
                {
                    // Garbage after a value: keep what was read.
                    return challenges;
                }
            }

            if (i < value.Length && !IsTokenChar(value[i]) && value[i] is not (' ' or '\t' or ','))
            {
                return challenges;
            }
        }
    }

    private static void SkipSeparators(string s, ref int i, bool commas)
    {
        while (i < s.Length && (s[i] is ' ' or '\t' || (commas && s[i] == ',')))
        {
            i++;
        }
    }

    private static string ReadToken(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && IsTokenChar(s[i]))
        {
            i++;
        }

        return s[start..i];
    }

    private static string ReadQuoted(string s, ref int i)
    {
        var text = new System.Text.StringBuilder();
        i++;
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            text.Append(s[i]);
            i++;
        }

        if (i < s.Length)
        {
            i++;
        }

        return text.ToString();
    }

    // tchar of RFC 9110 §5.6.2.
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
