using System.Text;
using System.Xml.Linq;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;
using static Grid.CloudInABox.Wire.Ec2Xml;

namespace Grid.CloudInABox.Apis;

/// <summary>Launch templates.</summary>
public sealed partial class Ec2Api
{
    private XElement CreateLaunchTemplate(QueryParams q, string requestId)
    {
        var name = q.Required("LaunchTemplateName");
        var token = q["ClientToken"];
        if (token is not null && state.LaunchTemplates.Values.FirstOrDefault(t => t.ClientToken == token) is { } same)
        {
            return Response("CreateLaunchTemplate", requestId, TemplateXml("launchTemplate", same));
        }
        if (name.Length is < 3 or > 128 || !System.Text.RegularExpressions.Regex.IsMatch(name, @"^[a-zA-Z0-9\(\)\.\-/_]+$"))
        {
            throw new ApiException("InvalidLaunchTemplateName.MalformedException", $"The launch template name '{name}' is malformed.");
        }
        if (state.LaunchTemplates.Values.Any(t => t.Name == name))
        {
            throw new ApiException("InvalidLaunchTemplateName.AlreadyExistsException",
                $"Launch template name already in use: a launch template named '{name}' already exists.");
        }
        var data = q.Struct("LaunchTemplateData");
        string? userData = null;
        if (data["UserData"] is { } encoded)
        {
            try
            {
                userData = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                throw new ApiException("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.");
            }
        }
        var groups = data.List("SecurityGroupId");
        foreach (var group in groups.Where(g => !state.SecurityGroups.ContainsKey(g)))
        {
            throw new ApiException("InvalidGroup.NotFound", $"The security group '{group}' does not exist");
        }
        var template = new LaunchTemplateRecord
        {
            LaunchTemplateId = Ids.New("lt"),
            Name = name,
            ClientToken = token,
            CreateTime = Now,
            ImageId = data["ImageId"],
            UserData = userData,
            IamInstanceProfile = data["IamInstanceProfile.Name"] ?? data["IamInstanceProfile.Arn"],
            HttpTokens = data["MetadataOptions.HttpTokens"],
            ShutdownBehavior = data["InstanceInitiatedShutdownBehavior"],
            SecurityGroupIds = groups,
            InstanceTags = new Tags(data.TagsFor("instance")),
        };
        foreach (var tag in q.TagsFor("launch-template"))
        {
            template.Tags[tag.Key] = tag.Value;
        }
        state.LaunchTemplates[template.LaunchTemplateId] = template;
        return Response("CreateLaunchTemplate", requestId, TemplateXml("launchTemplate", template));
    }

    private XElement DeleteLaunchTemplate(QueryParams q, string requestId)
    {
        var template = FindTemplate(q["LaunchTemplateId"], q["LaunchTemplateName"]);
        state.LaunchTemplates.Remove(template.LaunchTemplateId);
        return Response("DeleteLaunchTemplate", requestId, TemplateXml("launchTemplate", template));
    }

    private XElement DescribeLaunchTemplates(QueryParams q, string requestId)
    {
        var ids = q.List("LaunchTemplateId");
        var names = q.List("LaunchTemplateName");
        foreach (var id in ids.Where(id => !state.LaunchTemplates.ContainsKey(id)))
        {
            throw new ApiException("InvalidLaunchTemplateId.NotFound", $"The specified launch template, with template ID {id}, does not exist.");
        }
        foreach (var name in names.Where(n => state.LaunchTemplates.Values.All(t => t.Name != n)))
        {
            throw new ApiException("InvalidLaunchTemplateName.NotFoundException", $"At least one of the launch templates specified in the request does not exist.");
        }
        var filters = q.Filters();
        var templates = state.LaunchTemplates.Values.Where(t =>
            (ids.Count == 0 && names.Count == 0 || ids.Contains(t.LaunchTemplateId) || names.Contains(t.Name)) &&
            Matches(filters, name => name switch
            {
                "launch-template-name" => [t.Name],
                _ => null,
            }, t.Tags));
        return Response("DescribeLaunchTemplates", requestId, Set("launchTemplates", templates, t => TemplateXml("item", t).Elements().ToArray<object?>()));
    }

    private XElement TemplateXml(string elementName, LaunchTemplateRecord t) => E(elementName,
        E("launchTemplateId", t.LaunchTemplateId), E("launchTemplateName", t.Name), E("createTime", Time(t.CreateTime)),
        E("createdBy", $"arn:aws:iam::{state.Options.AccountId}:user/grid"), E("defaultVersionNumber", 1), E("latestVersionNumber", 1),
        TagSet(t.Tags));

    private LaunchTemplateRecord FindTemplate(string? id, string? name)
    {
        if (id is not null)
        {
            return state.LaunchTemplates.TryGetValue(id, out var byId)
                ? byId
                : throw new ApiException("InvalidLaunchTemplateId.NotFound", $"The specified launch template, with template ID {id}, does not exist.");
        }
        if (name is not null)
        {
            return state.LaunchTemplates.Values.FirstOrDefault(t => t.Name == name)
                ?? throw new ApiException("InvalidLaunchTemplateName.NotFoundException", $"The specified launch template, with template name {name}, does not exist.");
        }
        throw new ApiException("MissingParameter", "A launch template ID or name is required.");
    }
}
