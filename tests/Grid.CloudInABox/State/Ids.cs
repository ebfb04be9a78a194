using System.Security.Cryptography;

namespace Grid.CloudInABox.State;

/// <summary>Resource ids in AWS's formats: a prefix and 17 hex digits (fleets are <c>fleet-</c> and a UUID).</summary>
public static class Ids
{
    public static string New(string prefix) => $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(9))[..17]}";

    public static string Fleet() => "fleet-" + Guid.NewGuid().ToString("D");

    public static string Request() => Guid.NewGuid().ToString("D");
}
